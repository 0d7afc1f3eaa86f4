/**
 * 3 stateful: a count-per-key processor with levelStorage and its changelog, at-least-once and
 * exactly-once (the same workload in one transaction per delivered batch and partition).
 * Throughput: the processor reads the fixture topic from the beginning (new group, empty store);
 * the clock starts at the first callback and stops when every message's effects are
 * acknowledged (processed = N and nothing in flight: table write in the changelog and the store,
 * offset committable). Compared with scenario 2's raw kafkajs consumer figure: the cost of state
 * over plain reading.
 * Latency: with the processor caught up, an Emitter offers messages at a fixed rate and a View
 * on the group table (memory store) timestamps its 'update' events; emitter, processor and view
 * share this one process, as in a service that runs all three.
 * Write coalescing (`goka-coalesce`): the at-least-once workload with the processor's
 * `coalesce: true` (a 20 ms window), beside the default in the same run: the lever's throughput
 * gain and the latency it adds, and how many changelog writes it saved.
 */

import { join } from 'node:path';
import { Emitter, type Guarantee, json, levelStorage, memoryStorage, Processor, View } from '@showcase/goka';
import { gokaCluster, gokaUnavailable, type ProducerClient } from '../cluster.ts';
import { countGroup } from '../count-group.ts';
import { type BenchValue, benchValue, keyOf } from '../data.ts';
import { type FilledTopic, filledTopic } from '../fixtures.ts';
import { offer, UpdateProbe } from '../latency.ts';
import { uniqueName } from '../naming.ts';
import type { Scenario, Variant } from '../scenario.ts';
import { nowMs } from '../stats.ts';
import { Countdown } from './consume.ts';

export async function settled(processor: Processor<unknown, unknown>): Promise<void> {
  for (;;) {
    const stats = processor.stats();
    if (stats.partitions.every((p) => p.inFlight === 0)) return;
    if (processor.state === 'failed') throw processor.error;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

export const stateful: Scenario = {
  name: 'stateful',
  number: 3,
  title: 'stateful: count per key with levelStorage and changelog, at-least-once and exactly-once',
  fixtures: [
    filledTopic(
      'stateful-input',
      (ctx) => ctx.sizes.statefulRecords,
      (ctx) => ctx.sizes.keys,
    ),
  ],
  variants: [
    {
      name: 'goka',
      unavailable: gokaUnavailable,
      run: (...args) => runStateful('at-least-once', 'kafkajs', ...args),
    },
    {
      name: 'goka-platformatic',
      unavailable: gokaUnavailable,
      run: (...args) => runStateful('at-least-once', 'platformatic', ...args),
    },
    {
      name: 'goka-eos',
      unavailable: gokaUnavailable,
      run: (...args) => runStateful('exactly-once', 'kafkajs', ...args),
    },
    {
      name: 'goka-eos-platformatic',
      unavailable: gokaUnavailable,
      run: (...args) => runStateful('exactly-once', 'platformatic', ...args),
    },
    {
      name: 'goka-coalesce',
      unavailable: gokaUnavailable,
      run: (...args) => runStateful('at-least-once', 'kafkajs', ...args, true),
    },
    {
      name: 'goka-coalesce-platformatic',
      unavailable: gokaUnavailable,
      run: (...args) => runStateful('at-least-once', 'platformatic', ...args, true),
    },
  ],
  figures: [
    {
      figure: 'count processor throughput',
      unit: 'msgs/s',
      variant: 'goka',
      measure: 'rate',
      baseline: { scenario: 'consume', figure: 'raw kafkajs consumer' },
    },
    { figure: 'emit -> table updated p50', unit: 'ms', variant: 'goka', measure: 'p50' },
    { figure: 'emit -> table updated p99', unit: 'ms', variant: 'goka', measure: 'p99' },
    {
      figure: 'count processor throughput (platformatic producer)',
      unit: 'msgs/s',
      variant: 'goka-platformatic',
      measure: 'rate',
      baseline: { variant: 'goka', measure: 'rate' },
    },
    {
      figure: 'emit -> table updated p50 (platformatic producer)',
      unit: 'ms',
      variant: 'goka-platformatic',
      measure: 'p50',
    },
    {
      figure: 'emit -> table updated p99 (platformatic producer)',
      unit: 'ms',
      variant: 'goka-platformatic',
      measure: 'p99',
    },
    {
      figure: 'count processor throughput, exactly-once',
      unit: 'msgs/s',
      variant: 'goka-eos',
      measure: 'rate',
      baseline: { variant: 'goka', measure: 'rate' },
    },
    { figure: 'emit -> table updated p50, exactly-once', unit: 'ms', variant: 'goka-eos', measure: 'p50' },
    { figure: 'emit -> table updated p99, exactly-once', unit: 'ms', variant: 'goka-eos', measure: 'p99' },
    {
      figure: 'count processor throughput, exactly-once (platformatic producer)',
      unit: 'msgs/s',
      variant: 'goka-eos-platformatic',
      measure: 'rate',
      baseline: { variant: 'goka-eos', measure: 'rate' },
    },
    {
      figure: 'count processor throughput, write coalescing',
      unit: 'msgs/s',
      variant: 'goka-coalesce',
      measure: 'rate',
      baseline: { variant: 'goka', measure: 'rate' },
    },
    {
      figure: 'count processor throughput, write coalescing (platformatic producer)',
      unit: 'msgs/s',
      variant: 'goka-coalesce-platformatic',
      measure: 'rate',
      baseline: { variant: 'goka', measure: 'rate' },
    },
    {
      figure: 'changelog writes per message, write coalescing',
      unit: 'ratio',
      variant: 'goka-coalesce',
      measure: 'changelogShare',
    },
    {
      figure: 'emit -> table updated p50, write coalescing',
      unit: 'ms',
      variant: 'goka-coalesce',
      measure: 'p50',
    },
    {
      figure: 'emit -> table updated p99, write coalescing',
      unit: 'ms',
      variant: 'goka-coalesce',
      measure: 'p99',
    },
  ],
  parameters: (s) => ({
    records: s.statefulRecords,
    valueBytes: 100,
    keys: s.keys,
    partitions: s.partitions,
    storage: 'levelStorage',
    latencyOfferedRate: s.statefulLatencyRate,
    latencyDurationMs: s.statefulLatencyMs,
    latencyProbe: 'View (memoryStorage) update event in the same process',
  }),
  timeoutMs: (s) => 120_000 + s.statefulRecords * 1,
};

/** One repetition of the stateful workload under the given delivery guarantee. */
async function runStateful(
  guarantee: Guarantee,
  producer: ProducerClient,
  ...[ctx, fixtures, rep, log, coalesce = false]: [...Parameters<Variant['run']>, boolean?]
): ReturnType<Variant['run']> {
  const source = fixtures['stateful-input'] as FilledTopic;
  const { keys, statefulLatencyRate: rate, statefulLatencyMs: durationMs } = ctx.sizes;
  const countdown = new Countdown(source.records, log);
  const side = `${guarantee}${producer === 'kafkajs' ? '' : `-${producer}`}${coalesce ? '-coalesce' : ''}`;
  const group = countGroup(uniqueName(ctx, `stateful-${side}`, rep), source.topic, () => countdown.add(1));
  const cluster = gokaCluster(ctx.brokers, 'bench-stateful', producer);
  const processor = new Processor(group, {
    cluster,
    storage: levelStorage({ path: join(ctx.workDir, `stateful-${side}-${rep}`) }),
    guarantee,
    coalesce,
  });
  const emitter = new Emitter<BenchValue>({ cluster, topic: source.topic, codec: json<BenchValue>() });
  const view = new View({
    cluster,
    table: group.table,
    codec: json<number>(),
    storage: memoryStorage(),
  });
  try {
    await processor.start();
    const failed = processor.done().then(() => {
      throw new Error('processor stopped');
    });
    failed.catch(() => undefined); // observed by the races below; a normal stop is no failure
    const callbacksMs = await Promise.race([countdown.done, failed]);
    const afterCallbacks = nowMs();
    await Promise.race([settled(processor), failed]);
    const elapsed = callbacksMs + (nowMs() - afterCallbacks);
    const coalesced = processor.stats().partitions.reduce((n, p) => n + p.coalescedWrites, 0);
    const changelogShare = (source.records - coalesced) / source.records;
    log(
      `throughput ${Math.round((source.records * 1000) / elapsed)} msgs/s, ${changelogShare.toFixed(3)} changelog writes per message; latency phase at ${rate} msgs/s`,
    );

    await view.start();
    const probe = new UpdateProbe();
    view.on('update', ({ key }) => probe.updated(key));
    const offered = await offer({
      rate,
      durationMs,
      maxOutstanding: rate * 5,
      outstanding: () => probe.outstanding,
      send: (i, scheduled) => {
        const key = keyOf(i * 7919, keys);
        probe.sent(key, scheduled);
        emitter.emit(key, benchValue(i, key)).catch((error: unknown) => log(`emit failed: ${error}`));
      },
    });
    const drained = await Promise.race([probe.drained(30_000), failed]);
    if (!drained || offered.saturated) {
      throw new Error(`latency phase: ${probe.outstanding} of ${offered.sent} updates missing`);
    }
    const [p50, p99] = probe.samples.percentiles(50, 99);
    return { rate: (source.records * 1000) / elapsed, changelogShare, p50: p50!, p99: p99! };
  } finally {
    await emitter.close();
    await view.stop();
    await processor.stop();
    await cluster.close();
  }
}
