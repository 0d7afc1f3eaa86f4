import { join } from 'node:path';
import { defineGroup, input, json, levelStorage, memoryCluster, persist } from '@showcase/goka';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
// goka's fixture (service-kit sits on goka): one place mounts and fills test tmpfs.
import { Tmpfs } from '../../goka/test/support/tmpfs.ts';
import {
  buildService,
  defineService,
  mintToken,
  processed,
  type Service,
  streamEnvSpec,
} from '../src/index.ts';

/**
 * Issue 26, "disk and data", through a built service: its tables live on a real 2 MiB tmpfs
 * that fills up. /readyz turns 503 naming the group, the partition and the store's error while
 * a partition stalls, and 200 again once the space is back — the service never fails, so its
 * process would not exit (process-lifecycle.ts exits only on a component's failure).
 */
const SECRET = 'store-stall-test-secret-0123456789-ab';
const envVars = { AUTH_SECRET: SECRET, LOG_LEVEL: 'silent', PORT: '0', PARTITIONS: '2' };

const tally = defineGroup<string[]>(
  'stall-tally',
  persist(json<string[]>()),
  input('stall-events', json<string>(), (ctx, id) => ctx.setValue([...(ctx.value() ?? []), id])),
);
const definition = defineService({
  name: 'stall',
  port: 0,
  description: 'a service whose table store fills up',
  env: streamEnvSpec('stall'),
  groups: () => ({ tally: processed(tally) }),
  views: () => ({ tally: { name: 'stall-tally-table', codec: json<string[]>() } }),
  emitters: () => ({ events: { name: 'stall-events', codec: json<string>() } }),
  routes: [],
});

const running: Service[] = [];
let disk: Tmpfs | undefined;
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
  disk?.unmount();
  disk = undefined;
});
afterAll(() => disk?.unmount());

describe('a table store on a disk that fills up', () => {
  it('/readyz is 503 with group, partition and error while a partition stalls, 200 once space returns', async () => {
    disk = Tmpfs.mount(2048, 'service-kit-stall-');
    const tables = join(disk.dir, 'tables');
    const cluster = memoryCluster({ partitions: 2 });
    const built = await buildService(definition, {
      cluster,
      env: envVars,
      storage: (component) => levelStorage({ path: join(tables, component) }),
    });
    const service = built.service as unknown as Service;
    running.push(service);
    const failures: string[] = [];
    service.onFailure((c, error) => failures.push(`${c.kind} ${c.name}: ${error.message}`));
    await service.start({ listen: false });
    await service.whenReady(10_000);
    const readyz = () => service.app.inject({ method: 'GET', url: '/readyz' });
    expect((await readyz()).statusCode).toBe(200);

    const emit = (from: number, to: number) =>
      Promise.all(
        Array.from({ length: to - from }, (_, i) =>
          built.emitters.events.emit(`u${(from + i) % 10}`, `e${from + i}`),
        ),
      );
    await emit(0, 50);
    disk.fill();
    await emit(50, 300);
    await expect.poll(async () => (await readyz()).statusCode, { timeout: 30_000 }).toBe(503);
    const notReady = (await readyz()).json() as { message: string };
    expect(notReady.message).toMatch(
      /^group stall-tally partition \d: table store unavailable: ENOSPC: IO error: .*No space left on device/,
    );
    // The view of that table is on the same disk: it stalls too, and says so.
    await expect
      .poll(async () => ((await readyz()).json() as { message?: string }).message ?? '', { timeout: 30_000 })
      .toMatch(/view stall-tally-table: table store unavailable: ENOSPC/);
    // The console's view of the group says the same.
    const admin = { authorization: `Bearer ${mintToken({ secret: SECRET, user: 'root', admin: true })}` };
    const groups = await service.app.inject({ method: 'GET', url: '/admin/groups', headers: admin });
    expect(groups.statusCode).toBe(200);
    const stalled = JSON.stringify(groups.json());
    expect(stalled).toContain('"state":"stalled"');
    expect(stalled).toMatch(/"stalled":\{"reason":"table store unavailable: ENOSPC/);

    disk.free();
    await expect.poll(async () => (await readyz()).statusCode, { timeout: 30_000 }).toBe(200);
    expect(failures).toEqual([]);
    expect(service.state).toBe('listening');
    // Nothing acknowledged lost: the table (its changelog) holds every event emitted, before,
    // during and after the outage, and so does the view.
    await emit(300, 320);
    const applied = () => {
      const table = new Map<string, string[]>();
      for (const partition of [0, 1]) {
        for (const r of cluster.records('stall-tally-table', partition)) {
          table.set(r.key!.toString(), r.value ? (JSON.parse(r.value.toString()) as string[]) : []);
        }
      }
      return [...table.values()].reduce((ids, list) => ids + new Set(list).size, 0);
    };
    await expect.poll(applied, { timeout: 30_000 }).toBe(320);
    const view = built.views.tally;
    const viewed = async () => {
      let ids = 0;
      for await (const [, list] of view.iterate()) ids += new Set(list).size;
      return ids;
    };
    await expect.poll(viewed, { timeout: 30_000 }).toBe(320);
  }, 60_000);
});
