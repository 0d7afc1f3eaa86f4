/**
 * How many bytes the collector writes to Kafka per delivered message: its table changelog plus
 * any other topic it owns (the inbox entries), for one recipient receiving `--messages` messages
 * of `--chars` characters. Runs the whole service on the in-memory cluster (no broker needed)
 * and counts key + value bytes of every record, so the figure is exactly what a broker would be
 * sent. Prints a line for humans and one JSON line.
 *
 *   npx tsx services/anti-spam/sim/bench/inbox-bytes.ts [--messages 3000] [--chars 1990]
 */
import { parseArgs } from 'node:util';
import { messagesSent } from '@showcase/contracts';
import { Emitter, memoryCluster } from '@showcase/goka';
import { createAntiSpam } from '../../src/service.ts';
import { deliveries, groups } from '../../src/topics.ts';

const { values } = parseArgs({
  options: { messages: { type: 'string', default: '3000' }, chars: { type: 'string', default: '1990' } },
});
const count = Math.max(1, Math.min(100_000, Number(values.messages)));
const chars = Math.max(1, Math.min(2000, Number(values.chars)));

const cluster = memoryCluster({ partitions: 4 });
const { service } = await createAntiSpam({
  cluster,
  env: { AUTH_SECRET: 'x'.repeat(32), LOG_LEVEL: 'warn', PORT: '0', PARTITIONS: '4' },
});
await service.start({ listen: false });
await service.whenReady(30_000);

const topicBytes = (topic: string) => {
  let bytes = 0;
  let records = 0;
  for (let p = 0; p < (cluster.partitionsOf(topic) ?? 0); p++) {
    for (const r of cluster.records(topic, p)) {
      bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
      records++;
    }
  }
  return { bytes, records };
};

// Straight to the collector's input: the filter and detector are not what is measured here.
const out = new Emitter({ cluster, topic: deliveries.name, codec: messagesSent.codec });
const text = 'x'.repeat(chars);
const started = Date.now();
for (let i = 0; i < count; i++) {
  await out.emit('inbox-owner', {
    id: `m${i}`,
    from: `sender${i % 50}`,
    to: 'inbox-owner',
    text,
    sentAt: started + i,
  });
  if ((i + 1) % 500 === 0) process.stderr.write(`\r${i + 1}/${count} delivered`);
}
await out.close();
const collectorTopics = () =>
  cluster.topicNames().filter((t) => t.startsWith(groups.collector) || t === 'anti-spam-inbox');
// Wait until the collector has processed everything (its table stops growing).
let last = -1;
for (;;) {
  await new Promise((r) => setTimeout(r, 200));
  const now = collectorTopics().reduce((n, t) => n + topicBytes(t).records, 0);
  if (now === last) break;
  last = now;
}
process.stderr.write('\n');
const input = topicBytes(deliveries.name);
const written = collectorTopics().map((t) => ({ topic: t, ...topicBytes(t) }));
const total = written.reduce((n, w) => n + w.bytes, 0);
const result = {
  messages: count,
  chars,
  inputBytes: input.bytes,
  collectorBytes: total,
  collectorBytesPerDelivery: Math.round(total / count),
  amplification: Number((total / input.bytes).toFixed(2)),
  topics: written,
  rssMB: Math.round(process.memoryUsage().rss / 1e6),
};
console.log(
  `${count} deliveries of ${chars} chars: input ${(input.bytes / 1e6).toFixed(1)} MB, collector wrote ${(total / 1e6).toFixed(1)} MB ` +
    `(${result.collectorBytesPerDelivery} B per delivery, ${result.amplification}x the input)`,
);
console.log(JSON.stringify(result));
await service.stop();
