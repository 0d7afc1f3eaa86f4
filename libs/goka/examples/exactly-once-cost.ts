/**
 * What exactly-once costs, measured: one processor (count per key, levelStorage) on a topic with
 * `PARTITIONS` partitions, run once at-least-once and once exactly-once on the same broker. Per
 * run it prints the open sockets of this process (from /proc/self/fd) and the resident memory
 * after start and after processing, the per-message latency (record timestamp to callback) at a
 * steady rate, and how often the broker answered AddPartitionsToTxn with CONCURRENT_TRANSACTIONS
 * (see transactional-producer.ts for why). Needs a broker:
 *   KAFKA_BROKERS=127.0.0.1:9092 npx tsx libs/goka/examples/exactly-once-cost.ts
 * Env: PARTITIONS (32), MESSAGES (4000), RATE (messages/s, 500), GUARANTEE (one of the two only;
 * run each in its own process for memory figures that do not mix).
 */
import { readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  defineGroup,
  Emitter,
  type Guarantee,
  input,
  json,
  kafkaCluster,
  levelStorage,
  Processor,
  persist,
} from '../src/index.ts';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
if (brokers.length === 0) throw new Error('set KAFKA_BROKERS');
const PARTITIONS = Number(process.env.PARTITIONS ?? 32);
const MESSAGES = Number(process.env.MESSAGES ?? 4000);
const RATE = Number(process.env.RATE ?? 500);

function sockets(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

const mb = () => Math.round(process.memoryUsage().rss / 1e5) / 10;
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

async function run(guarantee: Guarantee) {
  let concurrentAnswers = 0;
  // kafkajs logs each CONCURRENT_TRANSACTIONS answer of AddPartitionsToTxn (at debug, through pino).
  const logger = pino(
    { level: 'debug' },
    {
      write: (line: string) => {
        if (line.includes('Response AddPartitionsToTxn') && line.includes('concurrent operation'))
          concurrentAnswers++;
      },
    },
  );
  const id = `${guarantee === 'exactly-once' ? 'eos' : 'alo'}-${Date.now().toString(36)}`;
  const topic = `cost-${id}`;
  const dir = join(tmpdir(), `goka-cost-${id}`);
  const cluster = kafkaCluster({ brokers, logger, clientId: `cost-${id}` });
  const baseSockets = sockets();
  const baseMb = mb();
  await cluster.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
  const latencies: number[] = [];
  const group = defineGroup(
    `cost-${id}`,
    persist(json<number>()),
    input(topic, json<number>(), (ctx, v) => {
      latencies.push(Date.now() - ctx.timestamp);
      ctx.setValue((ctx.value() ?? 0) + v);
    }),
  );
  const processor = new Processor(group, {
    cluster,
    guarantee,
    logger,
    storage: levelStorage({ path: dir }),
  });
  await processor.start();
  const started = { sockets: sockets() - baseSockets, rssMb: Math.round((mb() - baseMb) * 10) / 10 };
  const emitter = new Emitter({ cluster, topic, codec: json<number>() });
  const sends: Promise<unknown>[] = [];
  const burst = Math.max(1, Math.round(RATE / 50));
  const begun = Date.now();
  for (let i = 0; i < MESSAGES; i += burst) {
    for (let j = i; j < Math.min(MESSAGES, i + burst); j++) sends.push(emitter.emit(`k${j % 1000}`, 1));
    const due = begun + ((i + burst) / RATE) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
  }
  await Promise.all(sends);
  while (processor.stats().processed < MESSAGES) await new Promise((resolve) => setTimeout(resolve, 50));
  const processed = { sockets: sockets() - baseSockets, rssMb: Math.round((mb() - baseMb) * 10) / 10 };
  latencies.sort((a, b) => a - b);
  await emitter.close();
  await processor.stop();
  await cluster.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    guarantee,
    partitions: PARTITIONS,
    messages: MESSAGES,
    rate: RATE,
    afterStart: started,
    afterProcessing: processed,
    latencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) },
    concurrentTransactionsAnswers: concurrentAnswers,
  };
}

// One guarantee per process when GUARANTEE is set, so the memory figures do not mix.
const guarantees: Guarantee[] = process.env.GUARANTEE
  ? [process.env.GUARANTEE as Guarantee]
  : ['at-least-once', 'exactly-once'];
for (const guarantee of guarantees) {
  const result = await run(guarantee);
  console.log(
    `${guarantee}: +${result.afterStart.sockets} sockets, +${result.afterStart.rssMb} MB RSS after start; ` +
      `+${result.afterProcessing.sockets} sockets, +${result.afterProcessing.rssMb} MB after ${MESSAGES} messages; ` +
      `latency p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms; ` +
      `CONCURRENT_TRANSACTIONS answers ${result.concurrentTransactionsAnswers}`,
  );
  console.log(`GOKA_EOS_COST ${JSON.stringify(result)}`);
}
