import { bytes, defineGroup, Emitter, input, json, memoryCluster, persist, tableTopic } from '@showcase/goka';
import { afterEach, describe, expect, it } from 'vitest';
import { createService, type Service } from '../src/index.ts';

const SECRET = 'readiness-test-secret-0123456789-abc';
const env = { AUTH_SECRET: SECRET, LOG_LEVEL: 'silent', PORT: '0' };

const counter = defineGroup(
  'ready-counter',
  persist(json<number>()),
  input('ready-clicks', json<number>(), (ctx, m) => ctx.setValue((ctx.value() ?? 0) + m)),
);

const services: Service[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
});

async function instance(cluster: ReturnType<typeof memoryCluster>) {
  const service = await createService({ name: 'ready', port: 0, cluster, env });
  services.push(service as Service);
  const processor = service.processor(counter);
  service.view({ name: tableTopic(counter.name), codec: json<number>() });
  const clicks = service.emitter({ name: 'ready-clicks', codec: json<number>() });
  return { service, processor, clicks };
}

describe('readiness', () => {
  it('stays ready while a later rebalance makes a processor recover; /metrics shows it', async () => {
    const cluster = memoryCluster({ partitions: 4 });
    const a = await instance(cluster);
    await a.service.start({ listen: false });
    await a.service.whenReady(10_000);
    expect((await a.service.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    // A partition that moves to this instance later recovers its table: the processor reports
    // `recovering` (the memory cluster recovers too fast to catch it, so the state is pinned).
    Object.defineProperty(a.processor, 'state', { configurable: true, get: () => 'recovering' });
    const res = await a.service.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json().components).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'processor', state: 'recovering' })]),
    );
    const metrics = (await a.service.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/goka_processor_state\{[^}]*state="recovering"[^}]*\} 1/);
    // A failure still counts: liveness and readiness both drop.
    Object.defineProperty(a.processor, 'state', { configurable: true, get: () => 'failed' });
    expect((await a.service.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    delete (a.processor as { state?: unknown }).state;
  });

  it('is 503 until views recovered and processors joined once', async () => {
    const cluster = memoryCluster({ partitions: 2 });
    const a = await instance(cluster);
    expect((await a.service.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    await a.service.start({ listen: false });
    await a.service.whenReady(5000);
    expect((await a.service.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});

describe('failure policy', () => {
  it('groups reading another service’s topic dead-letter by default; own topics fail', async () => {
    const cluster = memoryCluster({ partitions: 1 });
    const service = await createService({ name: 'ready', port: 0, cluster, env });
    services.push(service as Service);
    expect(service.defaultFailurePolicy(counter)).toBe('fail'); // ready-clicks is its own
    const foreign = defineGroup(
      'ready-foreign',
      persist(json<number>()),
      input('other-service-events', json<{ n: number }>(), (ctx, m) =>
        ctx.setValue((ctx.value() ?? 0) + m.n),
      ),
    );
    expect(service.defaultFailurePolicy(foreign)).toBe('dead-letter');
    const p = service.processor(foreign);
    await cluster.ensureTopics([{ name: 'other-service-events', partitions: 1 }]);
    await service.start({ listen: false });
    await service.whenReady(5000);
    const bad = new Emitter({ cluster, topic: 'other-service-events', codec: bytes() });
    await bad.emit('k', Buffer.from('{not json'));
    const good = new Emitter({ cluster, topic: 'other-service-events', codec: json<{ n: number }>() });
    await good.emit('k', { n: 2 });
    await expect.poll(() => p.stats().processed, { timeout: 5000 }).toBeGreaterThanOrEqual(1);
    expect(p.state).toBe('running');
    await expect
      .poll(async () => (await service.app.inject({ method: 'GET', url: '/metrics' })).body, {
        timeout: 5000,
      })
      .toMatch(/goka_processor_dead_lettered_total\{[^}]*group="ready-foreign"[^}]*\} 1/);
    await bad.close();
    await good.close();
  });
});
