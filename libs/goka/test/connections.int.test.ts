import { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Consumer, Kafka } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Emitter, json, memoryStorage, Processor, View } from '../src/index.ts';
import {
  type CountEvent,
  emitCounted,
  eventually,
  fillTable,
  type Tally,
  tallyGroup,
  testBrokers,
  testCluster,
  testLogger,
  unique,
} from './support/kafka.ts';

/**
 * Nothing outlives stop(): after processors and views stop, no kafkajs consumer of theirs is
 * still connected and, once the cluster object is closed, no socket to the broker is left
 * open. Counted two ways: the kafkajs consumers created and not disconnected (their CONNECT and
 * DISCONNECT events), and the process's open TCP sockets to the broker's port.
 */

const PARTITIONS = 6;
const brokerPorts = new Set(testBrokers().map((b) => Number(b.split(':').at(-1))));

/** Open sockets of this process to the broker. */
function brokerSockets(): number {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter(
    (h) => h instanceof Socket && !h.destroyed && h.remotePort !== undefined && brokerPorts.has(h.remotePort),
  ).length;
}

/** kafkajs consumers made while a test runs, and which of them are connected now. */
const consumers = new Map<Consumer, boolean>();
const names = new Map<Consumer, string>();
/** Told of every new consumer (to act at a given moment of its start). */
let onConsumer: ((consumer: Consumer) => void) | undefined;
const original = Kafka.prototype.consumer;
beforeEach(() => {
  consumers.clear();
  Kafka.prototype.consumer = function (this: Kafka, ...args: Parameters<Kafka['consumer']>) {
    const consumer = original.apply(this, args);
    consumers.set(consumer, false);
    names.set(consumer, args[0].groupId);
    consumer.on(consumer.events.CONNECT, () => consumers.set(consumer, true));
    consumer.on(consumer.events.DISCONNECT, () => consumers.set(consumer, false));
    onConsumer?.(consumer);
    return consumer;
  };
});
afterEach(() => {
  Kafka.prototype.consumer = original;
});

/** Group ids of the kafkajs consumers connected now. */
function connectedConsumers(): (string | undefined)[] {
  return [...consumers].filter(([, connected]) => connected).map(([consumer]) => names.get(consumer));
}

/** Waits a little for late work (a consumer that connects after stop() would do it now). */
async function settled(): Promise<void> {
  await sleep(1_500);
}

async function setup(cluster: ReturnType<typeof testCluster>, keys = 0) {
  const group = unique('conn');
  const topic = unique('conn-events');
  const table = `${group}-table`;
  await cluster.ensureTopics([
    { name: topic, partitions: PARTITIONS },
    { name: table, partitions: PARTITIONS, compacted: true },
  ]);
  if (keys > 0) await fillTable(table, PARTITIONS, keys);
  return { group, topic, table };
}

type Names = Awaited<ReturnType<typeof setup>>;

/**
 * Runs `body` on a fresh cluster object and fresh topics. After it, no kafkajs consumer may be
 * connected and, once the cluster is closed, no socket of this process to the broker is left.
 */
async function onFreshCluster(
  body: (cluster: ReturnType<typeof testCluster>, names: Names) => Promise<void>,
  keys = 0,
): Promise<void> {
  const before = brokerSockets();
  const cluster = testCluster();
  try {
    await body(cluster, await setup(cluster, keys));
    await settled();
    expect(connectedConsumers()).toEqual([]);
  } finally {
    onConsumer = undefined;
    await cluster.close();
  }
  await settled();
  expect(brokerSockets()).toBe(before);
}

/** The group's processor and a view of its table, not started. */
function processorAndView(cluster: ReturnType<typeof testCluster>, { group, topic, table }: Names) {
  return {
    p: new Processor(tallyGroup(group, topic, 'p'), {
      cluster,
      storage: memoryStorage(),
      logger: testLogger(),
    }),
    view: new View({ cluster, table, codec: json<Tally>(), logger: testLogger() }),
  };
}

describe('stop() releases every kafkajs consumer and socket', () => {
  it('after a processor and a view ran and stopped', () =>
    onFreshCluster(async (cluster, names) => {
      const { p, view } = processorAndView(cluster, names);
      await Promise.all([p.start(), view.start()]);
      const emitter = new Emitter({ cluster, topic: names.topic, codec: json<CountEvent>() });
      const emitted = new Map<string, string[]>();
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => emitCounted(emitter, emitted, `k${i % 20}`, i)),
      );
      await emitter.close();
      await eventually(async () => (await view.get('k0'))?.n === 10, { what: 'the view to see k0' });
      expect(connectedConsumers()).not.toEqual([]);
      await Promise.all([p.stop(), view.stop()]);
    }));

  // kafkajs ignores a disconnect() that lands while its consumer connects or joins: the connect
  // or join completes afterwards and the consumer fetches on (openWhileWanted disconnects it
  // then), and a runner still joining was dropped unstopped and heartbeated forever on reopened
  // sockets (patches/kafkajs+2.2.4.patch: it leaves the group instead; the SyncGroup case lost
  // two sockets in 4 of 5 runs at load 10 before). Stop exactly then: as soon as the consumers
  // exist (connecting), when they send JoinGroup, when they send SyncGroup.
  for (const moment of ['created', 'JoinGroup', 'SyncGroup'] as const) {
    it(`after a processor and a view stopped while their consumers start (${moment})`, () =>
      onFreshCluster(async (cluster, names) => {
        const { p, view } = processorAndView(cluster, names);
        const reached = new Promise<void>((resolve) => {
          onConsumer = (consumer) => {
            if (moment === 'created') resolve();
            consumer.on(consumer.events.REQUEST, ({ payload }) => {
              if (payload.apiName === moment) resolve();
            });
          };
        });
        const starts = [p.start(), view.start()];
        for (const s of starts) s.catch(() => undefined);
        await reached;
        await Promise.all([p.stop(), view.stop()]);
        await Promise.allSettled(starts);
      }));
  }

  it('after a processor stopped while its table recovers', () =>
    onFreshCluster(async (cluster, names) => {
      const { p } = processorAndView(cluster, names);
      const started = p.start();
      started.catch(() => undefined);
      await eventually(() => p.stats().recovery.done > 0, { what: 'recovery under way', intervalMs: 10 });
      await p.stop();
    }, 60_000));
});
