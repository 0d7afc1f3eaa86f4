/** Topics filled once per run and read by every repetition (each with a fresh consumer group). */
import { createTopics, fillTopic, rawKafka } from './kafka.ts';
import { uniqueName } from './naming.ts';
import type { Fixture, TaskContext } from './scenario.ts';
import { nowMs } from './stats.ts';

export interface FilledTopic {
  readonly topic: string;
  readonly records: number;
  readonly partitions: number;
}

export function filledTopic(
  name: string,
  records: (ctx: TaskContext) => number,
  keys: (ctx: TaskContext) => number,
  options: { compacted?: boolean } = {},
): Fixture {
  return {
    name,
    async create(ctx, log): Promise<FilledTopic> {
      const kafka = rawKafka(ctx.brokers, `bench-fixture-${name}`);
      const topic = uniqueName(ctx, name);
      const count = records(ctx);
      await createTopics(kafka, [
        { name: topic, partitions: ctx.sizes.partitions, compacted: options.compacted },
      ]);
      const started = nowMs();
      await fillTopic(kafka, {
        topic,
        count,
        keys: keys(ctx),
        partitions: ctx.sizes.partitions,
        progress: (written) => log(`${written}/${count} records written`),
      });
      log(`${count} records in ${topic} (${((nowMs() - started) / 1000).toFixed(1)} s)`);
      return { topic, records: count, partitions: ctx.sizes.partitions };
    },
  };
}
