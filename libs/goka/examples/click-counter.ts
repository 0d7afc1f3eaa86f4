/**
 * A runnable tour of the API: an emitter writes clicks, a processor counts them per user in its
 * group table, a view serves the counts and pushes updates.
 *
 *   npx tsx libs/goka/examples/click-counter.ts                        # in-memory cluster
 *   KAFKA_BROKERS=127.0.0.1:9092 npx tsx libs/goka/examples/click-counter.ts   # real Kafka
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defineGroup,
  Emitter,
  input,
  json,
  kafkaCluster,
  levelStorage,
  memoryCluster,
  memoryStorage,
  Processor,
  persist,
  View,
} from '../src/index.ts';

interface Click {
  page: string;
}

const brokers = process.env.KAFKA_BROKERS?.split(',');
const cluster = brokers
  ? kafkaCluster({ brokers, clientId: 'click-counter-example' })
  : memoryCluster({ partitions: 3 });
if (brokers) await cluster.ensureTopics([{ name: 'user-clicks', partitions: 3 }]);

const counter = defineGroup(
  'click-counter',
  persist(json<number>()),
  input('user-clicks', json<Click>(), (ctx) => {
    ctx.setValue((ctx.value() ?? 0) + 1);
  }),
);

const dataDir = await mkdtemp(join(tmpdir(), 'click-counter-'));
const processor = new Processor(counter, { cluster, storage: levelStorage({ path: dataDir }) });
await processor.start();

const view = new View({ cluster, table: counter.table, codec: json<number>(), storage: memoryStorage() });
await view.start();
view.on('update', ({ key, value }) => console.log(`view update: ${key} = ${value}`));

const emitter = new Emitter({ cluster, topic: 'user-clicks', codec: json<Click>() });
await Promise.all(
  ['alice', 'bob', 'alice', 'carol', 'alice'].map((user) => emitter.emit(user, { page: '/' })),
);

while ((await view.get('alice')) !== 3) await new Promise((r) => setTimeout(r, 10));
console.log(
  'alice clicked',
  await view.get('alice'),
  'times; processor stats:',
  processor.stats().processed,
  'processed',
);

await emitter.close();
await view.stop();
await processor.stop();
await cluster.close();
await rm(dataDir, { recursive: true, force: true });
