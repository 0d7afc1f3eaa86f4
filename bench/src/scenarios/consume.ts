/**
 * 2 consume: how fast a consumer group reads a topic that is already full.
 * raw: a kafkajs consumer group, `eachBatch`, `JSON.parse` of every value, auto-commit.
 * goka: a stateless processor (no persist): decode by the json codec, an empty callback, the
 * library's commits.
 * Both read the same fixture topic from the beginning, each repetition with a new group. The
 * clock starts at the first record handed over (so group join and first fetch are not counted)
 * and stops at the last one.
 */
import { defineGroup, input, json, Processor } from '@showcase/goka';
import { gokaCluster, gokaUnavailable } from '../cluster.ts';
import type { BenchValue } from '../data.ts';
import { type FilledTopic, filledTopic } from '../fixtures.ts';
import { rawKafka } from '../kafka.ts';
import { uniqueName } from '../naming.ts';
import type { Scenario } from '../scenario.ts';
import { nowMs } from '../stats.ts';

export class Countdown {
  private count = 0;
  private first = 0;
  private resolveDone!: (elapsedMs: number) => void;
  readonly done = new Promise<number>((resolve) => {
    this.resolveDone = resolve;
  });

  constructor(
    private readonly total: number,
    private readonly log?: (line: string) => void,
  ) {}

  add(n: number): void {
    if (this.count === 0) this.first = nowMs();
    const before = this.count;
    this.count += n;
    const quarter = this.total / 4;
    if (
      this.log &&
      Math.floor(before / quarter) !== Math.floor(this.count / quarter) &&
      this.count < this.total
    ) {
      this.log(`${this.count}/${this.total}`);
    }
    if (before < this.total && this.count >= this.total) this.resolveDone(nowMs() - this.first);
  }

  get value(): number {
    return this.count;
  }
}

/**
 * Reads a whole topic through a raw kafkajs consumer group. Returns ms from the first record to
 * the last one, and from `connect()` to the last one.
 */
export async function rawConsume(o: {
  brokers: string[];
  group: string;
  topic: string;
  records: number;
  log: (line: string) => void;
  decode: boolean;
}): Promise<{ fromFirstMs: number; fromStartMs: number }> {
  const kafka = rawKafka(o.brokers, 'bench-consume-raw');
  const consumer = kafka.consumer({ groupId: o.group });
  const countdown = new Countdown(o.records, o.log);
  const started = nowMs();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: o.topic, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        if (o.decode) for (const m of batch.messages) if (m.value) JSON.parse(m.value.toString('utf8'));
        countdown.add(batch.messages.length);
      },
    });
    const fromFirstMs = await countdown.done;
    return { fromFirstMs, fromStartMs: nowMs() - started };
  } finally {
    await consumer.disconnect();
  }
}

export const consume: Scenario = {
  name: 'consume',
  number: 2,
  title: 'consume: raw kafkajs consumer group vs stateless Processor',
  fixtures: [
    filledTopic(
      'consume-input',
      (ctx) => ctx.sizes.consumeRecords,
      (ctx) => ctx.sizes.keys,
    ),
  ],
  variants: [
    {
      name: 'raw',
      async run(ctx, fixtures, rep, log) {
        const source = fixtures['consume-input'] as FilledTopic;
        const { fromFirstMs } = await rawConsume({
          brokers: ctx.brokers,
          group: uniqueName(ctx, 'consume', 'raw', rep),
          topic: source.topic,
          records: source.records,
          log,
          decode: true,
        });
        return { rate: (source.records * 1000) / fromFirstMs };
      },
    },
    {
      name: 'goka',
      unavailable: gokaUnavailable,
      async run(ctx, fixtures, rep, log) {
        const source = fixtures['consume-input'] as FilledTopic;
        const countdown = new Countdown(source.records, log);
        const group = defineGroup(
          uniqueName(ctx, 'consume', 'goka', rep),
          input(source.topic, json<BenchValue>(), () => {
            countdown.add(1);
          }),
        );
        const cluster = gokaCluster(ctx.brokers, 'bench-consume-goka');
        const processor = new Processor(group, { cluster });
        try {
          await processor.start();
          const elapsed = await Promise.race([countdown.done, processor.done().then(() => Number.NaN)]);
          if (Number.isNaN(elapsed)) throw new Error('processor stopped before reading everything');
          return { rate: (source.records * 1000) / elapsed };
        } finally {
          await processor.stop();
          await cluster.close();
        }
      },
    },
  ],
  figures: [
    { figure: 'raw kafkajs consumer', unit: 'msgs/s', variant: 'raw', measure: 'rate' },
    {
      figure: 'stateless Processor',
      unit: 'msgs/s',
      variant: 'goka',
      measure: 'rate',
      baseline: { variant: 'raw', measure: 'rate' },
    },
  ],
  parameters: (s) => ({
    records: s.consumeRecords,
    valueBytes: 100,
    keys: s.keys,
    partitions: s.partitions,
    kafkajsConsumer: 'defaults (eachBatch, autoCommit)',
  }),
  timeoutMs: (s) => 60_000 + s.consumeRecords * 0.5,
};
