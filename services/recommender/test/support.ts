import {
  type BlockState,
  type Edge,
  type EdgeType,
  edgePairTable,
  type Interaction,
  type InteractionType,
  interactions,
  type Location,
  type PairState,
  type Profile,
  pairKey,
  spamBlockTable,
  type UserState,
  userTable,
} from '@showcase/contracts';
import { Emitter, memoryCluster } from '@showcase/goka';
import { mintToken } from '@showcase/service-kit';
import { createRecommender } from '../src/service.ts';

export const SECRET = 'recommender-test-secret-0123456789-abcdef';
export const token = (user: string, admin = false) => mintToken({ secret: SECRET, user, admin });
export const auth = (user: string, admin = false) => ({ authorization: `Bearer ${token(user, admin)}` });

export const BERLIN: Location = { lat: 52.52, lon: 13.405 };
/** About 150 km from Berlin. */
export const LEIPZIG: Location = { lat: 51.34, lon: 12.375 };

export const profile = (over: Partial<Profile> = {}): Profile => ({
  age: 30,
  gender: 'female',
  seeking: ['male'],
  ageMin: 18,
  ageMax: 60,
  ...over,
});

const edge = (user: string, type: EdgeType): Edge => ({
  user,
  type,
  count: 1,
  first: '2026-01-01T00:00:00.000Z',
  last: '2026-01-01T00:00:00.000Z',
});

let seq = 0;

/**
 * The whole service on a memory cluster, started and ready, plus emitters that play the other
 * services: match-search's user table, edge-set's interactions and pair table, anti-spam's
 * block table. `stop()` in afterEach.
 */
export async function startRecommender(env: Record<string, string> = {}, options: { listen?: boolean } = {}) {
  const cluster = memoryCluster({ partitions: 3 });
  const built = await createRecommender({
    cluster,
    env: { AUTH_SECRET: SECRET, LOG_LEVEL: 'silent', PORT: '0', PARTITIONS: '3', ...env },
  });
  const address = await built.service.start({ listen: options.listen ?? false });
  await built.service.whenReady(10_000);
  await built.ranker.ready();
  const users = new Emitter({ cluster, topic: userTable.name, codec: userTable.codec });
  const events = new Emitter({ cluster, topic: interactions.name, codec: interactions.codec });
  const pairs = new Emitter({ cluster, topic: edgePairTable.name, codec: edgePairTable.codec });
  const spam = new Emitter({ cluster, topic: spamBlockTable.name, codec: spamBlockTable.codec });
  const app = built.service.app;
  return {
    ...built,
    cluster,
    address,
    app,
    async setUser(user: string, p: Profile | undefined, location: Location | undefined) {
      const state: UserState = {
        user,
        online: false,
        updatedAt: Date.now(),
        ...(p ? { profile: p } : {}),
        ...(location ? { location } : {}),
      };
      await users.emit(user, state);
    },
    /** The pair row (user, other) as edge-set would write it. */
    async pair(user: string, other: string, out: EdgeType[], inbound: EdgeType[], match = false) {
      const state: PairState = {
        user,
        other,
        out: out.map((t) => edge(other, t)),
        in: inbound.map((t) => edge(other, t)),
        ...(match ? { matchSince: '2026-01-01T00:00:00.000Z' } : {}),
      };
      await pairs.emit(pairKey(user, other), state);
    },
    async spamBlock(user: string, blocked: boolean) {
      const state: BlockState = {
        user,
        blocked,
        source: blocked ? 'manual' : null,
        reason: blocked ? 'test' : null,
        since: blocked ? Date.now() : null,
        verified: false,
        score: null,
        updatedAt: Date.now(),
      };
      await spam.emit(user, state);
    },
    async interact(from: string, to: string, type: InteractionType) {
      const i: Interaction = { id: `t${++seq}`, from, to, type, at: Date.now() };
      await events.emit(from, i);
    },
    async recommend(user: string, query = 'k=100', as = user, admin = false) {
      return app.inject({
        method: 'GET',
        url: `/users/${user}/recommendations?${query}`,
        headers: auth(as, admin),
      });
    },
    async stop() {
      await Promise.all([users.close(), events.close(), pairs.close(), spam.close()]);
      await built.service.stop();
    },
  };
}

export type Running = Awaited<ReturnType<typeof startRecommender>>;
