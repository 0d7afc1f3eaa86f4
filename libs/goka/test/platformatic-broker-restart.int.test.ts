import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, test } from 'vitest';
import { type RunningBroker, startBroker } from '../../../infra/kafka/src/index.ts';
import { Emitter, json, type KafkaCluster } from '../src/index.ts';
import { readTopic, testCluster, unique } from './support/kafka.ts';

/**
 * The platformatic producer across a broker restart (same port, same data): an Emitter keeps
 * emitting through the outage. Every emit either resolves — and then its record is in the topic,
 * in emit order per key — or rejects; none is acknowledged and lost. Emits after the restart
 * succeed on the same producer. With several requests in flight (partitions split between them),
 * the requests that fail and are retried must still not let a key's later records land first.
 * This test runs its own broker: the shared one must not stop.
 */
const KEYS = 20;
const dataDir = mkdtempSync(join(tmpdir(), 'goka-plat-restart-'));
let broker: RunningBroker | undefined;
let cluster: KafkaCluster | undefined;

afterAll(async () => {
  await cluster?.close().catch(() => undefined);
  await broker?.stop({ graceMs: 10_000 });
  rmSync(dataDir, { recursive: true, force: true });
});

interface Event {
  key: string;
  n: number;
}

describe.each([1, 3])('requestsInFlight %i', (requestsInFlight) => {
  test('acknowledged emits survive a broker restart in order per key; the others reject', async () => {
    // The first case starts the broker; the second reuses it (restarted by the first).
    broker ??= await startBroker({ dataDir, keepData: true, log: () => undefined });
    const { port, controllerPort } = broker;
    cluster ??= testCluster({ brokers: broker.brokers, producer: 'platformatic' });
    const topic = unique('plat-restart');
    await cluster.ensureTopics([{ name: topic, partitions: 3 }]);
    const emitter = new Emitter({ cluster, topic, codec: json<Event>(), requestsInFlight });

    const acked: Event[] = [];
    let rejected = 0;
    let n = 0;
    let emitting = true;
    const sends: Promise<void>[] = [];
    const loop = (async () => {
      while (emitting) {
        for (let k = 0; k < KEYS; k++) {
          const event = { key: `key-${k}`, n };
          sends.push(
            emitter.emit(event.key, event).then(
              () => void acked.push(event),
              () => void rejected++,
            ),
          );
        }
        n++;
        await sleep(20);
      }
    })();

    await sleep(2_000);
    const beforeOutage = acked.length;
    await broker.stop({ graceMs: 30_000 });
    await sleep(2_000);
    broker = await startBroker({ dataDir, keepData: true, port, controllerPort, log: () => undefined });
    const afterRestart = acked.length;
    await sleep(4_000);
    emitting = false;
    await loop;
    await Promise.all(sends);
    await emitter.close();

    expect(beforeOutage).toBeGreaterThan(0);
    // The same producer carries on: emits made after the broker came back are acknowledged.
    expect(acked.length).toBeGreaterThan(afterRestart);
    const stored = (await readTopic(cluster, topic)).map((r) => JSON.parse(r.value!.toString()) as Event);
    const storedIds = new Set(stored.map((e) => `${e.key}/${e.n}`));
    const lost = acked.filter((e) => !storedIds.has(`${e.key}/${e.n}`));
    expect(lost, `${rejected} emits rejected`).toEqual([]);
    // Per key, the stored sequence never goes back (a retried request may repeat a record, which
    // at-least-once allows, but never lands one behind a later one).
    const lastPerKey = new Map<string, number>();
    for (const e of stored) {
      const last = lastPerKey.get(e.key) ?? -1;
      expect(e.n, `order of ${e.key}`).toBeGreaterThanOrEqual(last);
      lastPerKey.set(e.key, e.n);
    }
  }, 180_000);
});
