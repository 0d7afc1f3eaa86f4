import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, test } from 'vitest';
import { Emitter, json, type KafkaClusterOptions, View } from '../src/index.ts';
import { type EdgeEvent, EdgeOracle, type EdgeRow } from './support/edge-group.ts';
import { Instance } from './support/instances.ts';
import { eventually, testBrokers, testCluster, testLogger, unique } from './support/kafka.ts';

/**
 * edge-set's failover on the core alone: an exactly-once group with a table and a loopback (one
 * event writes two rows, usually in two partitions), two instances as processes, a steady stream
 * of events while (1) the second instance joins and (2) one of the two is SIGKILLed. Every
 * event is applied exactly once, and all of it is visible through a read-committed view within
 * a bounded time with only the survivor running. (Before the restart of fenced partitions, an
 * instance whose partition was fenced by a late InitProducerId failed as a whole.)
 */
const PARTITIONS = 6;
const RATE_PER_S = 200;
/**
 * The client that writes here and in the instances (which inherit the environment): KAFKA_PRODUCER=platformatic selects
 * @platformatic/kafka, as for the services; platformatic-eos.int.test.ts runs this file so.
 */
const producer: KafkaClusterOptions['producer'] =
  process.env.KAFKA_PRODUCER === 'platformatic' ? 'platformatic' : 'kafkajs';
const cluster = testCluster({ producer });
const dir = mkdtempSync(join(tmpdir(), 'goka-eos-failover-'));
const instances: Instance[] = [];

afterAll(async () => {
  await Promise.allSettled(instances.map((i) => i.kill()));
  await cluster.close();
  rmSync(dir, { recursive: true, force: true });
});

test('two exactly-once instances with a loopback: a join and a SIGKILL lose nothing and apply nothing twice', async () => {
  const topic = unique('edge-events');
  const group = unique('edges');
  await cluster.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
  const config = {
    brokers: testBrokers(),
    group,
    topic,
    dir,
    guarantee: 'exactly-once',
    kind: 'edges',
  } as const;
  const a = new Instance('a', config);
  const b = new Instance('b', config);
  instances.push(a, b);
  a.start();
  await a.whenRunning();

  const emitter = new Emitter({ cluster, topic, codec: json<EdgeEvent>() });
  const oracle = new EdgeOracle();
  let stopped = false;
  let sent = 0;
  const sending = (async () => {
    const started = Date.now();
    while (!stopped) {
      const due = started + (sent / RATE_PER_S) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
      await oracle.emit(emitter, `u${sent % 37}`, `u${(sent * 7 + 3) % 41}`);
      sent++;
    }
  })();

  await sleep(2_000);
  b.start(); // (1) joins while events flow: the partitions are split, a's move to b
  await b.whenRunning(90_000);
  await sleep(3_000);
  const victim = b;
  const survivor = a;
  await victim.kill(); // (2) SIGKILL mid-stream
  const killedAt = Date.now();
  await sleep(4_000);
  stopped = true;
  await sending;
  await emitter.close();

  const view = new View({ cluster, table: `${group}-table`, codec: json<EdgeRow>(), logger: testLogger() });
  try {
    await view.start();
    const rows = new Map<string, EdgeRow | undefined>();
    const wrong = async () => {
      for (const key of oracle.rows.keys()) rows.set(key, await view.get(key));
      return oracle.differences((k) => rows.get(k));
    };
    await eventually(async () => (await wrong()).length === 0, {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: 'every event visible exactly once',
    }).catch(() => undefined);
    const differing = await wrong();
    const stats = survivor.stats();
    for (const k of differing.slice(0, 3)) {
      const want = oracle.rows.get(k)!;
      const got = rows.get(k) ?? { out: [], in: [] };
      const diff = (w: string[], g: string[]) => ({
        missing: w.filter((x) => !g.includes(x)),
        extra: g.filter((x) => !w.includes(x)),
        twice: g.filter((x, i) => g.indexOf(x) !== i),
      });
      console.log(
        `GOKA_EOS_FAILOVER_DIFF ${k} ${JSON.stringify({ out: diff(want.out, got.out), in: diff(want.in, got.in) })}`,
      );
    }
    console.log(
      `GOKA_EOS_FAILOVER ${JSON.stringify({ events: sent, rows: oracle.rows.size, differing: differing.length, visibleAfterKillMs: Date.now() - killedAt, survivor: stats?.state, owned: stats?.owned })}`,
    );
    expect(stats?.state, survivor.log).toBe('running');
    expect(stats?.owned).toHaveLength(PARTITIONS);
    expect(
      differing.slice(0, 5).map((k) => ({ key: k, want: oracle.rows.get(k), got: rows.get(k) })),
      `${differing.length} rows differ from the oracle`,
    ).toEqual([]);
  } finally {
    await view.stop();
  }
}, 240_000);
