import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, test } from 'vitest';
import { json, levelStorage, partitionFor, TableMirror, View } from '../src/index.ts';
import { eventually, fillTable, type Tally, testCluster, testLogger, unique } from './support/kafka.ts';

const PARTITIONS = 3;
const KEYS = 5_000;
const cluster = testCluster();
const dir = mkdtempSync(join(tmpdir(), 'goka-mirror-'));
const views: View<Tally>[] = [];

afterEach(async () => {
  await Promise.allSettled(views.splice(0).map((v) => v.stop()));
});
afterAll(async () => {
  await cluster.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A view of `table` on LevelDB under `dir`, with a mirror of every row's count, made before start. */
function mirrored(table: string) {
  const view = new View({
    cluster,
    table,
    codec: json<Tally>(),
    storage: levelStorage({ path: dir }),
    logger: testLogger(),
  });
  views.push(view);
  return { view, mirror: new TableMirror(view, (_key, tally: Tally) => tally.n) };
}

test('a mirror made before its view starts is complete when the view runs: from the changelog, then from reopened stores', async () => {
  const table = unique('mirror-table');
  await cluster.ensureTopics([{ name: table, partitions: PARTITIONS, compacted: true }]);
  await fillTable(table, PARTITIONS, KEYS);

  const first = mirrored(table);
  await first.view.start();
  expect(first.mirror.size).toBe(KEYS);
  await first.mirror.ready();
  // Live changes: an update and a delete.
  const producer = cluster.producer();
  const put = (key: string, value: Tally | null) =>
    producer.send([
      {
        topic: table,
        partition: partitionFor(key, PARTITIONS),
        key: Buffer.from(key),
        value: value === null ? null : Buffer.from(JSON.stringify(value)),
      },
    ]);
  await put('pre-1', { n: 7, ids: ['x'], by: 'test', at: 0 });
  await put('pre-2', null);
  await eventually(() => first.mirror.get('pre-1') === 7 && first.mirror.get('pre-2') === undefined, {
    what: 'the live changes in the mirror',
  });
  await producer.close();
  await first.view.stop();

  // Restarted on the same stores: recovered from their checkpoints, the rows come from the stores.
  const again = mirrored(table);
  await again.view.start();
  expect(again.mirror.size).toBe(KEYS - 1);
  expect(again.mirror.get('pre-1')).toBe(7);
  expect(again.mirror.get('pre-2')).toBeUndefined();
  expect(again.view.stats().recovery.total).toBeLessThan(KEYS);
});
