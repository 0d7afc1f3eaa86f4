/**
 * Messages per second through the detector alone (with the destinations group when the
 * implementation has one), on the memory cluster: what the detector's own code costs, without
 * Kafka, HTTP or the other groups. The simulator's population makes the traffic (hard cases
 * and every spammer kind, with replies), so both implementations see the same messages.
 *
 *   npx tsx services/anti-spam/sim/bench/detector-throughput.ts [--rounds 60] [--repeat 3] [--seed 42] \
 *     [--impl <src dir of another anti-spam checkout>]...
 *
 * Several --impl run interleaved (A B A B …), medians printed, and one JSON line at the end.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { messagesSent } from '@showcase/contracts';
import {
  type Group,
  memoryCluster,
  memoryStorage,
  Processor,
  partitionFor,
  type TopicSpec,
} from '@showcase/goka';
import { quantile, Random } from '@showcase/simkit';
import { buildPopulation, Traffic } from '../population.ts';

interface Options {
  rounds: number;
  repeat: number;
  seed: number;
  impls: string[];
}

function parse(argv: string[]): Options {
  const o: Options = { rounds: 60, repeat: 3, seed: 42, impls: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[++i] ?? '';
    if (a === '--rounds') o.rounds = Number(v);
    else if (a === '--repeat') o.repeat = Number(v);
    else if (a === '--seed') o.seed = Number(v);
    else if (a === '--impl') o.impls.push(resolve(v));
    else throw new Error(`unknown option ${a}`);
  }
  if (o.impls.length === 0) o.impls.push(resolve(import.meta.dirname, '..', '..', 'src'));
  return o;
}

/** The traffic of `rounds` simulator rounds, one second apart, every message answered as planned. */
function traffic(seed: number, rounds: number) {
  const r = new Random(seed);
  const { users, accounts } = buildPopulation(r, { users: 500, spamRatio: 0.06, prefix: 'b-', warmup: 5 });
  const t = new Traffic(r, users, accounts);
  const out: { from: string; to: string; text: string; at: number }[] = [];
  const start = 1_700_000_000_000;
  for (let round = 0; round < rounds; round++) {
    const planned = t.round();
    t.delivered(planned);
    t.takeReports();
    for (const [i, m] of planned.entries()) out.push({ ...m, at: start + round * 1000 + i });
  }
  return out;
}

type GroupFactory = (...args: unknown[]) => Group<unknown, unknown>;

interface Impl {
  readonly dir: string;
  readonly groups: Group<unknown, unknown>[];
  readonly topics: (partitions: number) => TopicSpec[];
}

async function load(dir: string): Promise<Impl> {
  const { topicSpecs } = (await import(pathToFileURL(`${dir}/topics.ts`).href)) as {
    topicSpecs: (partitions: number) => TopicSpec[];
  };
  return { dir, groups: await groupsOf(dir), topics: topicSpecs };
}

async function groupsOf(impl: string): Promise<Group<unknown, unknown>[]> {
  const detector = (await import(pathToFileURL(`${impl}/processors/detector.ts`).href)) as {
    detectorGroup: GroupFactory;
  };
  // Each implementation with its own defaults.
  const { defaultDetectorConfig } = (await import(pathToFileURL(`${impl}/features.ts`).href)) as {
    defaultDetectorConfig: unknown;
  };
  const groups = [detector.detectorGroup(defaultDetectorConfig)];
  const file = `${impl}/processors/destinations.ts`;
  if (existsSync(file)) {
    const destinations = (await import(pathToFileURL(file).href)) as { destinationsGroup: GroupFactory };
    groups.push(destinations.destinationsGroup());
  }
  return groups;
}

async function once(impl: Impl, messages: ReturnType<typeof traffic>): Promise<number> {
  const partitions = 4;
  const cluster = memoryCluster({ partitions });
  await cluster.ensureTopics(impl.topics(partitions));
  const groups = impl.groups;
  const producer = cluster.producer();
  // Loaded before the processors start: the clock measures processing, not producing.
  for (let i = 0; i < messages.length; i += 1000) {
    await producer.send(
      messages.slice(i, i + 1000).map((m, j) => {
        const key = Buffer.from(m.from);
        const value = messagesSent.codec.encode({
          id: `m${i + j}`,
          from: m.from,
          to: m.to,
          text: m.text,
          sentAt: m.at,
        });
        return { topic: messagesSent.name, partition: partitionFor(key, partitions), key, value };
      }),
    );
  }
  const t0 = performance.now();
  const processors = groups.map((g) => new Processor(g, { cluster, storage: memoryStorage() }));
  await Promise.all(processors.map((p) => p.start()));
  let quiet = 0;
  while (quiet < 2) {
    quiet = cluster.isIdle() ? quiet + 1 : 0;
    await new Promise<void>((r) => setImmediate(r));
  }
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(processors.map((p) => p.stop()));
  return messages.length / seconds;
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const messages = traffic(o.seed, o.rounds);
  const impls = await Promise.all(o.impls.map(load));
  const rates = new Map<string, number[]>(o.impls.map((d) => [d, []]));
  console.log(
    `${messages.length} messages (${o.rounds} simulator rounds, seed ${o.seed}), ${o.repeat} runs each, interleaved`,
  );
  for (let run = 0; run < o.repeat; run++)
    for (const impl of impls) {
      const rate = await once(impl, messages);
      rates.get(impl.dir)!.push(rate);
      console.log(
        `run ${run + 1} ${impl.dir}: ${Math.round(rate)} msg/s (${impl.groups.map((g) => g.name).join(' + ')})`,
      );
    }
  const result = o.impls.map((dir) => ({
    impl: dir,
    medianMsgPerS: Math.round(quantile(rates.get(dir)!, 0.5)),
    runs: rates.get(dir)!.map(Math.round),
  }));
  for (const r of result) console.log(`median ${r.impl}: ${r.medianMsgPerS} msg/s`);
  console.log(JSON.stringify({ messages: messages.length, seed: o.seed, results: result }));
}

await main();
