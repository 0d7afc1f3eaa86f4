import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import {
  Emitter,
  json,
  levelStorage,
  memoryCluster,
  storageUnavailable,
  View,
  ViewUnavailable,
} from '../src/index.ts';
import { eventually, testLogger } from './support/kafka.ts';
import { Tmpfs } from './support/tmpfs.ts';

/**
 * Issue 26, "disk and data", for a view: its stores on a real 1 MiB tmpfs that fills up. The view
 * stalls (reads refused with ViewUnavailable, whose cause is the store's StorageUnavailable)
 * instead of failing, reopens its stores with a backoff, and once space returns holds exactly
 * the table, having announced every change made meanwhile.
 */
/** A row of some size: a LevelDB log page (4 KiB) holds a handful, so the full disk shows soon. */
interface Row {
  readonly n: number;
  readonly pad: string;
}
const PAD = 'x'.repeat(200);

const closers: (() => Promise<unknown>)[] = [];
let disk: Tmpfs | undefined;
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  disk?.unmount();
  disk = undefined;
});

it('a view on a disk that fills up stalls, refuses reads, and catches up in place when space returns', async () => {
  disk = Tmpfs.mount(1024);
  const cluster = memoryCluster({ partitions: 2 });
  cluster.createTopic({ name: 'rows', partitions: 2, compacted: true });
  const emitter = new Emitter({ cluster, topic: 'rows', codec: json<Row>() });
  closers.push(() => emitter.close());
  const oracle = new Map<string, number>();
  const write = (from: number, to: number) =>
    Promise.all(
      Array.from({ length: to - from }, (_, i) => {
        const key = `k${(from + i) % 30}`;
        oracle.set(key, from + i);
        return emitter.emit(key, { n: from + i, pad: PAD });
      }),
    );
  const view = new View({
    cluster,
    table: 'rows',
    codec: json<Row>(),
    storage: levelStorage({ path: join(disk.dir, 'view') }),
    logger: testLogger(),
  });
  closers.push(() => view.stop());
  const announced = new Map<string, number | undefined>();
  view.on('update', (u) => announced.set(u.key, u.value?.n));
  await write(0, 30);
  await view.start();

  disk.fill();
  await write(30, 600);
  await eventually(() => view.state === 'stalled', { what: 'the view stalled' });
  expect(view.error).toBeUndefined();
  expect(view.stats().stalled?.code).toBe('ENOSPC');
  const refused = await view.get('k1').catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(ViewUnavailable);
  expect(storageUnavailable(refused)?.code).toBe('ENOSPC');
  await eventually(() => (view.stats().stalled?.attempts ?? 0) >= 3, { what: 'three attempts' });
  expect(view.state).toBe('stalled');

  disk.free();
  await write(600, 630);
  await eventually(() => view.state === 'running', { what: 'the view running again' });
  await eventually(async () => (await view.get('k29'))?.n === oracle.get('k29'), { what: 'the last write' });
  const held = new Map<string, number>();
  for await (const [key, value] of view.iterate()) held.set(key, value.n);
  expect(held).toEqual(oracle);
  expect(view.stats().stalled).toBeUndefined();
  // Every change after the start was announced, those of the outage included.
  await eventually(() => announced.get('k29') === oracle.get('k29'), { what: 'announcements' });
  expect(new Map([...announced].map(([k, v]) => [k, v as number]))).toEqual(oracle);
}, 120_000);
