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

export interface TableFixture {
  /** A group whose table is the changelog below (for a processor that recovers it). */
  readonly group: string;
  readonly table: string;
  /** An empty input topic of that group. */
  readonly input: string;
  readonly records: number;
  readonly partitions: number;
}

/**
 * A compacted changelog with `tableKeys` distinct keys (each written once, a 100-byte JSON
 * value), named as the table of a group so that both a View and a Processor can recover it.
 * Shared by scenarios 4 and 5.
 */
export const tableChangelog: Fixture = {
  name: 'table-changelog',
  async create(ctx, log): Promise<TableFixture> {
    const kafka = rawKafka(ctx.brokers, 'bench-fixture-table');
    const group = uniqueName(ctx, 'table');
    const table = `${group}-table`;
    const input = `${group}-input`;
    const records = ctx.sizes.tableKeys;
    const { partitions } = ctx.sizes;
    await createTopics(kafka, [
      { name: table, partitions, compacted: true },
      { name: input, partitions },
    ]);
    const started = nowMs();
    await fillTopic(kafka, {
      topic: table,
      count: records,
      keys: records,
      partitions,
      progress: (written) => log(`${written}/${records} records written`),
    });
    log(`${records} keys in ${table} (${((nowMs() - started) / 1000).toFixed(1)} s)`);
    return { group, table, input, records, partitions };
  },
};
