import {
  type Edge,
  edgePairTable,
  type Interaction,
  interactions,
  type Location,
  type PairState,
  type Profile,
  pairKey,
  type UserState,
  userTable,
} from '@showcase/contracts';
import { Emitter, memoryCluster } from '@showcase/goka';
import { loadConfig } from '@showcase/service-kit';
import { Http, Tokens } from '@showcase/simkit';
import { createCandidateIndex } from '../src/candidate-index.ts';
import { type CoClusterFit, fitCoClusters } from '../src/co-clusters.ts';
import {
  coClusterConfig,
  learnerConfig,
  rankerConfig,
  recommenderEnv,
  signalWeights,
} from '../src/config.ts';
import { applyFeedback, applyRate, rateOf } from '../src/learn-steps.ts';
import { type ModelRow, rowFor } from '../src/model.ts';
import { Ranker, type Ranking, type Searchable } from '../src/ranker.ts';
import { createRecommender } from '../src/service.ts';
import type { Scored } from '../src/top-k.ts';

/**
 * How the simulator reaches the platform. Writes go where a client's would (match-search's and
 * edge-set's APIs); reads always come from recommender's API. The direct driver replaces the
 * two other services by writing their contract topics itself, for when they are not at hand.
 */
export interface Driver {
  readonly name: string;
  setUser(user: string, profile: Profile, location: Location): Promise<void>;
  interact(from: string, to: string, type: 'like' | 'pass'): Promise<void>;
  recommend(user: string, k: number, radiusKm: number, ranking: Ranking): Promise<Scored[]>;
  /** Interactions the learner has finished (both hops). */
  learned(): Promise<number>;
  /** Model table changes the service's co-clustering is not fitted on yet (absent: none kept). */
  clustersBehind?(): Promise<number>;
  /**
   * How many users `user` has liked or passed as edge-set's tables show it now (the exclusions
   * lag the swipes by edge-set's processing); undefined when the driver writes them itself.
   */
  decisions?(user: string): Promise<number>;
  close(): Promise<void>;
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

type Call = (method: string, url: string, as: string, admin: boolean, body?: unknown) => Promise<Reply>;

async function expect2xx(what: string, reply: Reply): Promise<void> {
  if (reply.status < 200 || reply.status >= 300) {
    throw new Error(`${what} answered ${reply.status}: ${JSON.stringify(reply.body).slice(0, 300)}`);
  }
}

function reads(call: Call) {
  return {
    async recommend(user: string, k: number, radiusKm: number, ranking: Ranking): Promise<Scored[]> {
      const url = `/users/${encodeURIComponent(user)}/recommendations?k=${k}&radiusKm=${radiusKm}&ranking=${ranking}`;
      const reply = await call('GET', url, user, false);
      await expect2xx(`GET ${url}`, reply);
      return (reply.body as { items: Scored[] }).items;
    },
    async learned(): Promise<number> {
      const reply = await call('GET', '/model/stats', 'simulator', true);
      await expect2xx('GET /model/stats', reply);
      return (reply.body as { given: number }).given;
    },
    async clustersBehind(): Promise<number> {
      const reply = await call('GET', '/model/stats', 'simulator', true);
      await expect2xx('GET /model/stats', reply);
      return (reply.body as { clustersBehind?: number }).clustersBehind ?? 0;
    },
  };
}

function fetchCall(base: string, secret: string): Call {
  const http = new Http(base.replace(/\/$/, ''), secret);
  return (method, path, as, admin, body) => http.call(method, path, as, body, admin);
}

/** The real platform: match-search, edge-set and recommender over HTTP. */
export function httpDriver(urls: Readonly<Record<string, string>>, secret: string): Driver {
  const need = (name: string) => {
    const url = urls[name];
    if (!url) throw new Error(`no URL for ${name}`);
    return url;
  };
  const matchSearch = fetchCall(need('match-search'), secret);
  const edgeSet = fetchCall(need('edge-set'), secret);
  const recommender = fetchCall(need('recommender'), secret);
  return {
    name: 'http (match-search + edge-set + recommender)',
    async setUser(user, profile, location) {
      const base = `/users/${encodeURIComponent(user)}`;
      await expect2xx('PUT profile', await matchSearch('PUT', `${base}/profile`, user, false, profile));
      await expect2xx('PUT location', await matchSearch('PUT', `${base}/location`, user, false, location));
    },
    async interact(from, to, type) {
      await expect2xx(
        'POST /interactions',
        await edgeSet('POST', '/interactions', from, false, { to, type }),
      );
    },
    ...reads(recommender),
    async decisions(user) {
      let count = 0;
      for (const type of ['like', 'pass']) {
        const path = `/users/${encodeURIComponent(user)}/edges?direction=out&type=${type}&limit=1000`;
        const reply = await edgeSet('GET', path, user, false);
        await expect2xx(`GET ${path}`, reply);
        count += (reply.body as { edges: unknown[] }).edges.length;
      }
      return count;
    },
    async close() {},
  };
}

const edge = (user: string, type: 'like' | 'pass', at: string): Edge => ({
  user,
  type,
  count: 1,
  first: at,
  last: at,
});

/**
 * recommender in this process on a memory cluster; the simulator writes match-search's user
 * table and edge-set's interactions and pair table itself (likes and passes only: a decision
 * replaces the previous one, two likes make a match).
 */
export async function directDriver(env: Record<string, string> = {}): Promise<Driver> {
  const secret = 'recommender-simulator-direct-secret';
  const cluster = memoryCluster({ partitions: 4 });
  const { service } = await createRecommender({
    cluster,
    env: { AUTH_SECRET: secret, LOG_LEVEL: 'warn', PORT: '0', PARTITIONS: '4', ...env },
  });
  await service.start({ listen: false });
  await service.whenReady(30_000);
  const users = new Emitter({ cluster, topic: userTable.name, codec: userTable.codec });
  const events = new Emitter({ cluster, topic: interactions.name, codec: interactions.codec });
  const pairs = new Emitter({ cluster, topic: edgePairTable.name, codec: edgePairTable.codec });
  const decisions = new Map<string, 'like' | 'pass'>();
  const tokens = new Tokens(secret);
  const call: Call = async (method, url, as, admin, body) => {
    const res = await service.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${tokens.of(as, admin)}` },
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    return { status: res.statusCode, body: res.body ? (res.json() as unknown) : undefined };
  };
  let seq = 0;
  return {
    name: 'direct (recommender in-process; contract topics written by the simulator)',
    async setUser(user, profile, location) {
      const state: UserState = { user, profile, location, online: false, updatedAt: Date.now() };
      await users.emit(user, state);
    },
    async interact(from, to, type) {
      const at = Date.now();
      const iso = new Date(at).toISOString();
      const interaction: Interaction = { id: `sim-${++seq}`, from, to, type, at };
      decisions.set(pairKey(from, to), type);
      const back = decisions.get(pairKey(to, from));
      const match = type === 'like' && back === 'like' ? { matchSince: iso } : {};
      const forward: PairState = {
        user: from,
        other: to,
        out: [edge(to, type, iso)],
        in: back ? [edge(to, back, iso)] : [],
        ...match,
      };
      const reverse: PairState = {
        user: to,
        other: from,
        out: back ? [edge(from, back, iso)] : [],
        in: [edge(from, type, iso)],
        ...match,
      };
      await Promise.all([
        events.emit(from, interaction),
        pairs.emit(pairKey(from, to), forward),
        pairs.emit(pairKey(to, from), reverse),
      ]);
    },
    ...reads(call),
    async close() {
      await Promise.all([users.close(), events.close(), pairs.close()]);
      await service.stop();
      await cluster.close();
    },
  };
}

/**
 * No cluster and no HTTP: the learner's steps (learn-steps.ts) applied in order as plain
 * function calls, and the service's Ranker over in-memory rows. For iterating on the model in
 * seconds; the direct and the HTTP drivers confirm what it finds.
 */
export function offlineDriver(env: Record<string, string> = {}): Driver {
  const config = loadConfig(recommenderEnv, {
    AUTH_SECRET: 'recommender-simulator-offline-secret-0123456789',
    ...env,
  });
  const learner = learnerConfig(config);
  const weights = signalWeights(config);
  const rows = new Map<string, ModelRow>();
  const people = new Map<string, Searchable>();
  const decided = new Map<string, Set<string>>();
  const index = createCandidateIndex();
  const ready = async () => {};
  // The service refits on a timer after changes; here once per batch of swipes, before the next read.
  const clusters = coClusterConfig(config);
  let fit: CoClusterFit | undefined;
  let stale = true;
  const currentFit = () => {
    if (clusters && stale) {
      fit = fitCoClusters(rows.values(), clusters);
      stale = false;
    }
    return fit;
  };
  const ranker = new Ranker(
    {
      users: { get: (k) => people.get(k), ready },
      model: { get: (k) => rows.get(k), ready },
      spamBlocked: { get: () => undefined, ready },
      exclusions: async (user) => decided.get(user) ?? new Set<string>(),
      index,
      clusters: currentFit,
    },
    learner,
    rankerConfig(config),
  );
  const rowOf = (user: string) => rowFor(user, rows.get(user), learner);
  let learned = 0;
  let seq = 0;
  return {
    name: 'offline (learner steps and ranker as function calls)',
    async setUser(user, profile, location) {
      people.set(user, { profile, location });
      index.set(user, location);
    },
    async interact(from, to, type) {
      const at = Date.now();
      const i: Interaction = { id: `off-${++seq}`, from, to, type, at };
      const set = decided.get(from) ?? new Set<string>();
      decided.set(from, set);
      set.add(to);
      const rate = rateOf(rowOf(from), i, weights, at);
      if (!rate) return;
      const { row, feedback } = applyRate(rowOf(to), rate, learner);
      rows.set(to, row);
      if (feedback) rows.set(from, applyFeedback(rowOf(from), feedback, learner));
      learned++;
      stale = true;
    },
    async recommend(user, k, radiusKm, ranking) {
      const result = await ranker.rank(user, { k, radiusKm, ranking });
      return result.ok ? result.items : [];
    },
    async learned() {
      return learned;
    },
    async close() {},
  };
}
