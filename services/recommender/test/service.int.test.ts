import {
  edgePairTable,
  type Interaction,
  interactions,
  pairKey,
  type UserState,
  userTable,
} from '@showcase/contracts';
import { Emitter, type KafkaCluster, kafkaCluster } from '@showcase/goka';
import { brokers, eventually, type UsedService, useService } from '@showcase/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BERLIN, profile } from './support.ts';

/**
 * recommender as a process on the real broker, fed only through the contract topics (as
 * edge-set and match-search would write them), read only over HTTP. User ids carry a run
 * prefix: the broker is shared with every other project's tests.
 */
const run = `rec${Date.now().toString(36)}`;
const u = (name: string) => `${run}-${name}`;
const ADMIN = { admin: u('admin') };

let cluster: KafkaCluster;
let svc: UsedService | undefined;
let emitters: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  cluster = kafkaCluster({ brokers: brokers().split(','), clientId: `${run}-test` });
  // The contract topics may exist already (created by another service's tests): agree with them.
  const existing = await cluster.partitionCount(interactions.name);
  svc = await useService('recommender', { env: { PARTITIONS: String(existing ?? 4) } });
});

afterAll(async () => {
  for (const e of emitters) await e.close();
  emitters = [];
  await svc?.close();
  await cluster?.close();
});

interface Stats {
  given: number;
  received: number;
  likesReceived: number;
  rejected: number;
  /** How far the co-clustering's fit lags its own mirror: not a property of the model. */
  clustersBehind?: number;
}
const totals = ({ clustersBehind: _, ...model }: Stats) => model;
interface Items {
  items: { user: string; score: number }[];
}

describe('recommender as a process on Kafka', () => {
  it('learns from the interaction stream, applies exclusions from the pair table, and keeps its model across a restart with empty local state', async () => {
    const s = svc!;
    const users = new Emitter({ cluster, topic: userTable.name, codec: userTable.codec });
    const events = new Emitter({ cluster, topic: interactions.name, codec: interactions.codec });
    const pairs = new Emitter({ cluster, topic: edgePairTable.name, codec: edgePairTable.codec });
    emitters = [users, events, pairs];
    const man = profile({ gender: 'male', seeking: ['female'] });
    const state = (user: string, p = man): UserState => ({
      user,
      profile: p,
      location: BERLIN,
      online: true,
      updatedAt: Date.now(),
    });
    await users.emit(u('me'), state(u('me'), profile()));
    for (const x of ['a', 'b', 'c']) await users.emit(u(x), state(u(x)));

    // Other tests' users share the broker (and may stand in Berlin too): judge this run's only.
    const ours = (items: { user: string }[]) =>
      items.map((i) => i.user).filter((x) => x.startsWith(`${run}-`));
    const recs = async () => {
      const res = await s.api.get<Items>(`/users/${u('me')}/recommendations?k=100`, u('me'));
      expect(res.status).toBe(200);
      return ours(res.body.items).sort();
    };
    // Cold start: no interactions yet, still a list.
    await eventually(async () => expect(await recs()).toEqual([u('a'), u('b'), u('c')]));

    const stats = async () => (await s.api.get<Stats>('/model/stats', ADMIN)).body;
    // The model's totals count every interaction on the shared broker: a fresh instance first
    // learns what earlier tests left on the topic. Take `before` once that backlog is learned
    // (the totals stand still for 2 s; projects of a run test one after another).
    let before = await stats();
    await eventually(async () => {
      await new Promise((r) => setTimeout(r, 2_000));
      const now = await stats();
      const settled = now.given === before.given && now.likesReceived === before.likesReceived;
      before = now;
      expect(settled).toBe(true);
    }, 120_000);
    const oneSidedScores = async () => {
      const res = await s.api.get<Items>(
        `/users/${u('me')}/recommendations?k=100&ranking=one-sided`,
        u('me'),
      );
      return new Map(res.body.items.map((i) => [i.user, i.score]));
    };
    const coldA = (await oneSidedScores()).get(u('a'));
    expect(coldA).toBeDefined();
    let seq = 0;
    const like = (from: string, to: string, type: Interaction['type']) =>
      events.emit(from, { id: `${run}-${++seq}`, from, to, type, at: Date.now() });
    for (let i = 0; i < 5; i++) {
      await like(u('me'), u('a'), 'like');
      await like(u('me'), u('c'), 'pass');
    }
    await eventually(async () => {
      const now = await stats();
      expect(now.given - before.given).toBe(10);
      expect(now.likesReceived - before.likesReceived).toBe(5);
    });
    const oneSided = async () =>
      ours(
        (await s.api.get<Items>(`/users/${u('me')}/recommendations?k=100&ranking=one-sided`, u('me'))).body
          .items,
      );
    // Five likes lift a's score and put a first. Where b (never rated) and c (passed five times)
    // end up relative to each other is not a property of the model: it depends on the random
    // initial vectors of this run's ids and on how the two hops of the steps interleave (c above
    // b in ~1% of seeded model runs, more often in this test's timing), so it is not asserted.
    await eventually(async () => {
      const ranked = await oneSided();
      expect(ranked[0]).toBe(u('a'));
      expect([...ranked].sort()).toEqual([u('a'), u('b'), u('c')]);
      expect((await oneSidedScores()).get(u('a'))!).toBeGreaterThan(coldA!);
    });

    // edge-set's pair row: me liked b → b is never shown again.
    const at = new Date().toISOString();
    await pairs.emit(pairKey(u('me'), u('b')), {
      user: u('me'),
      other: u('b'),
      out: [{ user: u('b'), type: 'like', count: 1, first: at, last: at }],
      in: [],
    });
    await eventually(async () => expect(await recs()).toEqual([u('a'), u('c')]));
    const learned = await stats();

    // A restart with an empty data dir: the model comes back from its changelog.
    const { exitCode } = await s.restart({ freshDataDir: true });
    expect(exitCode).toBe(0);
    await eventually(async () => expect(totals(await stats())).toEqual(totals(learned)));
    expect(await oneSided()).toEqual([u('a'), u('c')]);
    expect(await recs()).toEqual([u('a'), u('c')]);
  });
});
