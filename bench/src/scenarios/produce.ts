/**
 * 1 produce: how fast records reach the broker, acknowledged by it (acks=all).
 * raw: kafkajs `sendBatch` with explicit partitions, a few large batches in flight.
 * goka: `Emitter.emit` called concurrently (a window of outstanding emits); the library batches
 * what queues while a request is in flight.
 * goka-platformatic-pipelined: the same Emitter on @platformatic/kafka with `requestsInFlight`
 * (several requests in flight, each on its own partitions).
 * Both: a fresh 6-partition topic, a warm-up record (connection, metadata) before the clock
 * starts, the clock stops when the last record is acknowledged.
 */
import { Emitter, json } from '@showcase/goka';
import type { Message } from 'kafkajs';
import { gokaCluster, gokaUnavailable, type ProducerClient } from '../cluster.ts';
import { type BenchValue, benchValue, keyOf, partitionTable } from '../data.ts';
import { createTopics, rawKafka, rawProducer } from '../kafka.ts';
import { uniqueName } from '../naming.ts';
import type { Scenario, TaskContext } from '../scenario.ts';
import { nowMs } from '../stats.ts';

// Tuned on this machine: kafkajs groups a batch per partition in O(n²) (groupMessagesPerPartition),
// so 2,000-record batches with 4 in flight beat 10,000-record ones (≈ 90k vs 75k msgs/s).
const RAW_BATCH = 2_000;
const RAW_IN_FLIGHT = 4;
/** The pipelined Emitter variant: 3 requests over 6 partitions, two partitions each. */
export const EMITTER_IN_FLIGHT = 3;

async function freshTopic(ctx: TaskContext, side: string, rep: number): Promise<string> {
  const topic = uniqueName(ctx, 'produce', side, rep);
  await createTopics(rawKafka(ctx.brokers, 'bench-admin'), [
    { name: topic, partitions: ctx.sizes.partitions },
  ]);
  return topic;
}

function progress(log: (line: string) => void, total: number) {
  let next = total / 4;
  return (done: number) => {
    if (done >= next) {
      log(`${done}/${total}`);
      next += total / 4;
    }
  };
}

export const produce: Scenario = {
  name: 'produce',
  number: 1,
  title: 'produce: raw kafkajs producer vs Emitter',
  fixtures: [],
  variants: [
    {
      name: 'raw',
      async run(ctx, _fixtures, rep, log) {
        const { produceRecords: n, keys, partitions } = ctx.sizes;
        const topic = await freshTopic(ctx, 'raw', rep);
        const kafka = rawKafka(ctx.brokers, 'bench-produce-raw');
        const producer = rawProducer(kafka);
        await producer.connect();
        const partitionOf = partitionTable(keys, partitions);
        const message = (i: number): Message => {
          const key = keyOf(i, keys);
          return { key, value: JSON.stringify(benchValue(i, key)), partition: partitionOf[i % keys]! };
        };
        await producer.sendBatch({ topicMessages: [{ topic, messages: [message(0)] }], acks: -1 });
        const report = progress(log, n);
        let next = 0;
        let done = 0;
        const started = nowMs();
        const worker = async () => {
          while (next < n) {
            const from = next;
            const to = Math.min(n, from + RAW_BATCH);
            next = to;
            const messages: Message[] = new Array(to - from);
            for (let i = from; i < to; i++) messages[i - from] = message(i);
            await producer.sendBatch({ topicMessages: [{ topic, messages }], acks: -1 });
            done += to - from;
            report(done);
          }
        };
        await Promise.all(Array.from({ length: RAW_IN_FLIGHT }, worker));
        const elapsed = nowMs() - started;
        await producer.disconnect();
        return { rate: (n * 1000) / elapsed };
      },
    },
    {
      name: 'goka',
      unavailable: gokaUnavailable,
      run: (ctx, _fixtures, rep, log) => runEmitter('kafkajs', ctx, rep, log),
    },
    {
      name: 'goka-platformatic',
      unavailable: gokaUnavailable,
      run: (ctx, _fixtures, rep, log) => runEmitter('platformatic', ctx, rep, log),
    },
    {
      name: 'goka-platformatic-pipelined',
      unavailable: gokaUnavailable,
      run: (ctx, _fixtures, rep, log) => runEmitter('platformatic', ctx, rep, log, EMITTER_IN_FLIGHT),
    },
  ],
  figures: [
    { figure: 'raw kafkajs producer', unit: 'msgs/s', variant: 'raw', measure: 'rate' },
    {
      figure: 'Emitter',
      unit: 'msgs/s',
      variant: 'goka',
      measure: 'rate',
      baseline: { variant: 'raw', measure: 'rate' },
    },
    {
      figure: 'Emitter (platformatic producer)',
      unit: 'msgs/s',
      variant: 'goka-platformatic',
      measure: 'rate',
      baseline: { variant: 'raw', measure: 'rate' },
    },
    {
      figure: `Emitter (platformatic, ${EMITTER_IN_FLIGHT} requests in flight)`,
      unit: 'msgs/s',
      variant: 'goka-platformatic-pipelined',
      measure: 'rate',
      baseline: { variant: 'goka-platformatic', measure: 'rate' },
    },
  ],
  parameters: (s) => ({
    records: s.produceRecords,
    valueBytes: 100,
    keys: s.keys,
    partitions: s.partitions,
    acks: 'all',
    rawBatch: RAW_BATCH,
    rawRequestsInFlight: RAW_IN_FLIGHT,
    emitWindow: s.emitWindow,
    emitterRequestsInFlight: EMITTER_IN_FLIGHT,
  }),
  timeoutMs: (s) => 60_000 + s.produceRecords * 0.5,
};

/** One repetition of the Emitter: a window of outstanding emits, each acknowledgement starts the next. */
async function runEmitter(
  producer: ProducerClient,
  ctx: TaskContext,
  rep: number,
  log: (line: string) => void,
  requestsInFlight = 1,
): Promise<{ rate: number }> {
  const { produceRecords: n, keys, emitWindow } = ctx.sizes;
  const side = `${producer === 'kafkajs' ? 'goka' : `goka-${producer}`}${requestsInFlight > 1 ? '-pipelined' : ''}`;
  const topic = await freshTopic(ctx, side, rep);
  const cluster = gokaCluster(ctx.brokers, `bench-produce-${side}`, producer);
  const emitter = new Emitter<BenchValue>({ cluster, topic, codec: json<BenchValue>(), requestsInFlight });
  try {
    const key0 = keyOf(0, keys);
    await emitter.emit(key0, benchValue(0, key0));
    const report = progress(log, n);
    const started = nowMs();
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let done = 0;
      const launch = () => {
        const i = next++;
        const key = keyOf(i, keys);
        emitter.emit(key, benchValue(i, key)).then(() => {
          done++;
          if (next < n) launch();
          else if (done === n) resolve();
          if ((done & 0x3fff) === 0) report(done);
        }, reject);
      };
      for (let k = 0; k < Math.min(emitWindow, n); k++) launch();
    });
    const elapsed = nowMs() - started;
    return { rate: (n * 1000) / elapsed };
  } finally {
    await emitter.close();
    await cluster.close();
  }
}
