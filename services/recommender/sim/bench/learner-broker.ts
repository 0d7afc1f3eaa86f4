/**
 * The learner group's rate on the real broker (learner.ts measures its steps and the group on
 * goka's memory tester): the recommender in this process on Kafka (KAFKA_BROKERS, or a
 * throwaway broker started and stopped here), N interactions produced to edge-set's
 * interactions topic as fast as the producer goes, the clock running from the first produce
 * until GET /model/stats counts all N learned (both hops and both row writes done).
 *
 * Variants in the same run, one after the other on the same broker and topics, each on users of
 * its own prefix (so each starts from empty rows): `old` is the factorisation alone
 * (LEARN_NEIGHBOURS=0), `new` the default learner (neighbour lists), both with RANK_CLUSTERS=0
 * (the learner alone); `service` the default service, whose co-clustering refits in the same
 * process while it learns. Repetitions alternate.
 *
 *   npx tsx services/recommender/sim/bench/learner-broker.ts [--interactions 20000] [--users 1000] [--reps 2] [--json file]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Interaction, interactions } from '@showcase/contracts';
import { Emitter, kafkaCluster } from '@showcase/goka';
import { provideKafka } from '@showcase/kafka-infra';
import { seeded, Tokens } from '@showcase/simkit';
import { createRecommender } from '../../src/service.ts';

const { values } = parseArgs({
  options: {
    interactions: { type: 'string', default: '20000' },
    users: { type: 'string', default: '1000' },
    reps: { type: 'string', default: '2' },
    json: { type: 'string' },
  },
});
const N = Number(values.interactions);
const USERS = Number(values.users);
const REPS = Number(values.reps);
const SECRET = 'recommender-learner-broker-bench-secret-0123';
const tokens = new Tokens(SECRET);

/** Likes 30 %, passes 70 %, actors and targets uniform (as learner.ts). */
function stream(prefix: string): Interaction[] {
  const random = seeded(7);
  const out: Interaction[] = [];
  for (let i = 0; i < N; i++) {
    const from = Math.floor(random() * USERS);
    let to = Math.floor(random() * (USERS - 1));
    if (to >= from) to++;
    out.push({
      id: `${prefix}${i}`,
      from: `${prefix}u${from}`,
      to: `${prefix}u${to}`,
      type: random() < 0.3 ? 'like' : 'pass',
      at: Date.now(),
    });
  }
  return out;
}

const kafka = await provideKafka({ log: (line: string) => console.error(`[kafka] ${line}`) });
const dataDir = mkdtempSync(join(tmpdir(), 'recommender-learner-broker-'));
const cluster = kafkaCluster({ brokers: kafka.brokers, clientId: 'recommender-learner-broker-bench' });
const variants = ['old', 'new', 'service'] as const;
const results: Record<(typeof variants)[number], number[]> = { old: [], new: [], service: [] };
try {
  for (let rep = 0; rep < REPS; rep++) {
    for (const variant of variants) {
      const { service } = await createRecommender({
        cluster,
        env: {
          AUTH_SECRET: SECRET,
          LOG_LEVEL: 'warn',
          PORT: '0',
          HOST: '127.0.0.1',
          PARTITIONS: '4',
          DATA_DIR: join(dataDir, `${variant}-${rep}`),
          ...(variant === 'service' ? {} : { RANK_CLUSTERS: '0' }),
          ...(variant === 'old' ? { LEARN_NEIGHBOURS: '0' } : {}),
        },
      });
      const base = await service.start();
      try {
        await service.whenReady(120_000);
        const given = async () => {
          const res = await fetch(`${base}/model/stats`, {
            headers: { authorization: `Bearer ${tokens.of('bench', true)}` },
          });
          return ((await res.json()) as { given: number }).given;
        };
        const before = await given();
        const events = new Emitter({ cluster, topic: interactions.name, codec: interactions.codec });
        const batch = stream(`${variant}${rep}-`);
        const t0 = performance.now();
        await Promise.all(batch.map((i) => events.emit(i.from, i)));
        const producedMs = performance.now() - t0;
        const deadline = Date.now() + 600_000;
        while ((await given()) - before < N && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 100));
        const ms = performance.now() - t0;
        const learned = (await given()) - before;
        await events.close();
        results[variant].push((learned / ms) * 1000);
        console.log(
          `${variant} rep ${rep + 1}: ${learned}/${N} learned in ${(ms / 1000).toFixed(1)} s = ${((learned / ms) * 1000).toFixed(0)} interactions/s (produced in ${(producedMs / 1000).toFixed(1)} s)`,
        );
      } finally {
        await service.stop();
      }
    }
  }
} finally {
  await cluster.close();
  await kafka.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length / 2;
  return s.length % 2 === 1 ? s[Math.floor(m)]! : (s[m - 1]! + s[m]!) / 2;
};
const report = {
  interactions: N,
  users: USERS,
  reps: REPS,
  oldPerSecond: median(results.old),
  newPerSecond: median(results.new),
  servicePerSecond: median(results.service),
  old: results.old,
  new: results.new,
  service: results.service,
};
console.log(
  `learner group on the real broker (median of ${REPS}): old ${report.oldPerSecond.toFixed(0)}/s, new ${report.newPerSecond.toFixed(0)}/s, service ${report.servicePerSecond.toFixed(0)}/s`,
);
console.log(JSON.stringify(report));
if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
