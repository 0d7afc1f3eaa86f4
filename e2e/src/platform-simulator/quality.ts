import { type Classification, classification, Http, pool, type Random, sleep } from '@showcase/simkit';
import type { Ledger } from './driver.ts';
import {
  adjustedRandIndex,
  batchKMeans,
  bruteForceNearby,
  candidatesOf,
  type EdgePage,
  evaluateRankings,
  FEATURE_FLOORS,
  FEATURE_NAMES,
  type MatchPage,
  type NearbyUser,
  type RankingScores,
  type Scored,
  settleOnOracle,
  standardise,
} from './oracles.ts';
import { type PlatformUser, TASTES } from './population.ts';

/**
 * The five quality figures of one platform run, each against the same population's ground truth
 * or the service's own reference, read over HTTP after the traffic (each waits for its service
 * to take in what the ledger says was accepted, with a deadline, and says whether it settled).
 */
const ADMIN = 'platform-simulator';

interface SpamStatus {
  readonly blocked: boolean;
  readonly sent: number;
  readonly delivered: number;
  readonly dropped: number;
}

export interface AntiSpamQuality {
  readonly detection: Classification;
  readonly spammers: number;
  readonly blocked: ReadonlySet<string>;
  readonly settled: boolean;
}

export async function antiSpamQuality(
  url: string,
  secret: string,
  users: readonly PlatformUser[],
  ledger: Ledger,
  deadlineMs: number,
): Promise<AntiSpamQuality> {
  const http = new Http(url, secret);
  const deadline = Date.now() + deadlineMs;
  let statuses: SpamStatus[] = [];
  let settled = false;
  while (!settled) {
    statuses = await pool(users, 16, async (u) => {
      const r = await http.call<SpamStatus>(
        'GET',
        `/users/${encodeURIComponent(u.id)}/spam`,
        ADMIN,
        undefined,
        true,
      );
      return r.body;
    });
    settled = users.every((u, i) => {
      const s = statuses[i]!;
      const n = ledger.messagesSent.get(u.id) ?? 0;
      return s.sent === n && s.delivered + s.dropped === n;
    });
    if (settled || Date.now() > deadline) break;
    await sleep(500);
  }
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const blocked = new Set<string>();
  users.forEach((u, i) => {
    const b = statuses[i]!.blocked;
    if (b) blocked.add(u.id);
    // A spam account that never sent anything (a returner's unused one) is not judged.
    if (u.spammer && (ledger.messagesSent.get(u.id) ?? 0) === 0) return;
    if (u.spammer && b) tp++;
    else if (u.spammer) fn++;
    else if (b) fp++;
  });
  return {
    detection: classification(tp, fp, fn),
    spammers: users.filter((u) => u.spammer && (ledger.messagesSent.get(u.id) ?? 0) > 0).length,
    blocked,
    settled,
  };
}

export interface EdgeSetQuality {
  readonly equal: boolean;
  readonly edges: number;
  readonly observedEdges: number;
  readonly matches: number;
  readonly observedMatches: number;
  readonly differences: readonly string[];
}

export async function edgeSetQuality(
  url: string,
  secret: string,
  ledger: Ledger,
  deadlineMs: number,
): Promise<EdgeSetQuality> {
  const http = new Http(url, secret);
  const page = (cursor: string | undefined) => (cursor ? `&cursor=${encodeURIComponent(cursor)}` : '');
  const c = await settleOnOracle(
    ledger.interactions,
    {
      edges: async (user, direction, cursor) =>
        (
          await http.call<EdgePage>(
            'GET',
            `/users/${encodeURIComponent(user)}/edges?direction=${direction}&limit=1000${page(cursor)}`,
            user,
          )
        ).body,
      matches: async (user, cursor) =>
        (
          await http.call<MatchPage>(
            'GET',
            `/users/${encodeURIComponent(user)}/matches?limit=1000${page(cursor)}`,
            user,
          )
        ).body,
    },
    deadlineMs,
  );
  return {
    equal: c.differences.length === 0,
    edges: c.expectedEdges,
    observedEdges: c.observedEdges,
    matches: c.expectedMatches,
    observedMatches: c.observedMatches,
    differences: c.differences,
  };
}

export interface MatchSearchQuality {
  readonly queries: number;
  readonly exact: number;
  readonly precision: number;
  readonly recall: number;
  /** Rows the brute force expected over all queries. */
  readonly expectedRows: number;
}

/**
 * `queries` GET nearby of random users, radii and online filters against the brute-force scan of
 * the ledger's world, minus anti-spam's blocks as anti-spam reports them and the accepted
 * edge-set blocks. Repeated (same queries) until all are exact or the deadline: blocks reach
 * match-search through two more hops than the updates.
 */
export async function matchSearchQuality(
  url: string,
  secret: string,
  ledger: Ledger,
  spamBlocked: ReadonlySet<string>,
  prefix: string,
  random: Random,
  queries: number,
  deadlineMs: number,
): Promise<MatchSearchQuality> {
  const http = new Http(url, secret);
  for (const id of spamBlocked) ledger.world.spamBlocked.add(id);
  const callers = [...ledger.world.users.keys()];
  const plan = Array.from({ length: queries }, () => ({
    caller: random.pick(callers),
    radiusKm: random.pick([5, 25, 50, 200, 500]),
    onlineOnly: random.chance(0.3),
  }));
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let exact = 0;
    await pool(plan, 8, async (q) => {
      const want =
        bruteForceNearby(ledger.world, q.caller, {
          radiusKm: q.radiusKm,
          limit: 500,
          onlineOnly: q.onlineOnly,
        }) ?? [];
      const r = await http.call<{ users?: NearbyUser[] }>(
        'GET',
        `/users/${encodeURIComponent(q.caller)}/nearby?radiusKm=${q.radiusKm}&limit=500&online=${q.onlineOnly}`,
        q.caller,
      );
      // Users of earlier runs on a reused broker are not in this run's truth.
      const got = (r.body.users ?? []).filter((u) => u.user.startsWith(prefix));
      const wantIds = new Set(want.map((u) => u.user));
      const gotIds = new Set(got.map((u) => u.user));
      for (const id of gotIds) wantIds.has(id) ? tp++ : fp++;
      for (const id of wantIds) if (!gotIds.has(id)) fn++;
      if (JSON.stringify(got) === JSON.stringify(want)) exact++;
    });
    if (exact === queries || Date.now() > deadline)
      return {
        queries,
        exact,
        precision: tp + fp === 0 ? 1 : tp / (tp + fp),
        recall: tp + fn === 0 ? 1 : tp / (tp + fn),
        expectedRows: tp + fn,
      };
    await sleep(1_000);
  }
}

export interface SegmentationQuality {
  readonly users: number;
  /** ARI of the service's segments vs the archetypes (normal users; spammers are no archetype). */
  readonly ari: number;
  /** ARI of batch k-means told the true k, on the service's own feature vectors. */
  readonly batchAri: number;
  readonly segments: number;
  /** Points the model learned from, and what it did (splits, merges, prunes). */
  readonly points: number;
  readonly history: readonly string[];
  readonly assigned: number;
  readonly settled: boolean;
}

interface Prediction {
  readonly segment: number | null;
  readonly features: Record<string, number>;
  readonly events: number;
}

export async function segmentationQuality(
  url: string,
  secret: string,
  users: readonly PlatformUser[],
  ledger: Ledger,
  seed: number,
  archetypes: number,
  deadlineMs: number,
): Promise<SegmentationQuality> {
  const http = new Http(url, secret);
  const normals = users.filter((u) => !u.spammer);
  const predict = async (u: PlatformUser) =>
    (await http.call<Prediction>('GET', `/users/${encodeURIComponent(u.id)}/segment`, ADMIN, undefined, true))
      .body;
  // Settled: a sample of users shows every own event the ledger accepted for it.
  const sample = normals.filter((_, i) => i % Math.max(1, Math.floor(normals.length / 40)) === 0);
  const deadline = Date.now() + deadlineMs;
  let settled = false;
  while (!settled && Date.now() < deadline) {
    const seen = await pool(sample, 8, predict);
    settled = sample.every((u, i) => seen[i]!.events >= (ledger.ownEvents.get(u.id) ?? 0));
    if (!settled) await sleep(500);
  }
  const predictions = await pool(normals, 16, predict);
  const truth = normals.map((u) => u.archetype);
  const predicted = predictions.map((p) => p.segment ?? -1);
  const withFeatures = normals.flatMap((_, i) =>
    Object.keys(predictions[i]!.features).length > 0 ? [i] : [],
  );
  let batchAri = Number.NaN;
  if (withFeatures.length >= archetypes) {
    const rows = withFeatures.map((i) => FEATURE_NAMES.map((n) => predictions[i]!.features[n] ?? 0));
    const { labels } = batchKMeans(standardise(rows, FEATURE_FLOORS), archetypes, { seed });
    const batchLabels = new Array<number>(normals.length).fill(-1);
    withFeatures.forEach((i, j) => {
      batchLabels[i] = labels[j]!;
    });
    batchAri = adjustedRandIndex(truth, batchLabels);
  }
  const model = (
    await http.call<{ segments: unknown[]; points: number; history: { event: string }[] }>(
      'GET',
      '/segments',
      ADMIN,
      undefined,
      true,
    )
  ).body;
  return {
    users: normals.length,
    ari: adjustedRandIndex(truth, predicted),
    batchAri,
    segments: model.segments.length,
    points: model.points,
    history: model.history.map((h) => h.event),
    assigned: predicted.filter((s) => s !== -1).length,
    settled,
  };
}

export interface RecommenderQuality extends RankingScores {
  readonly recallVsPopularity: number;
  readonly learned: number;
}

async function modelStats(url: string, secret: string) {
  const r = await new Http(url, secret).call<{ given: number; clustersBehind?: number }>(
    'GET',
    '/model/stats',
    ADMIN,
    undefined,
    true,
  );
  return r.body;
}

/** The learner's count of interactions it finished (both hops), over the whole cluster. */
export async function learnedCount(url: string, secret: string): Promise<number> {
  return (await modelStats(url, secret)).given;
}

/**
 * Recall@10 of mutual-interest users among each user's unseen candidates, for the service's
 * reciprocal ranking and the popularity ranking of the same service (recommender's evaluation).
 * Users blocked by anti-spam are neither callers nor candidates; a candidate is unseen when the
 * caller never liked, passed or blocked it and it never blocked the caller.
 */
export async function recommenderQuality(
  url: string,
  secret: string,
  users: readonly PlatformUser[],
  ledger: Ledger,
  spamBlocked: ReadonlySet<string>,
  learnedBefore: number,
  deadlineMs: number,
): Promise<RecommenderQuality> {
  const http = new Http(url, secret);
  const decisions = ledger.interactions.filter(
    (i) => i.type === 'like' || i.type === 'pass' || i.type === 'block',
  ).length;
  const deadline = Date.now() + deadlineMs;
  let learned = 0;
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    learned = (await learnedCount(url, secret)) - learnedBefore;
    if (learned !== last) {
      last = learned;
      stableSince = Date.now();
    } else if (learned >= decisions && Date.now() - stableSince > 2_000) break;
    await sleep(250);
  }
  // The co-clustering is refitted a few seconds after the model changed (issue 24): wait for it.
  while (Date.now() < deadline && ((await modelStats(url, secret)).clustersBehind ?? 0) > 0) await sleep(250);
  const snapshot = users
    .filter((u) => !u.spammer && !spamBlocked.has(u.id))
    .map((u) => ({ ...u, location: ledger.world.users.get(u.id)?.location ?? u.location }));
  const byId = new Map(snapshot.map((u) => [u.id, u]));
  const blockedBy = new Set(
    ledger.interactions.filter((i) => i.type === 'block').map((i) => `${i.to}<${i.from}`),
  );
  const unseen = new Map(
    snapshot.map((u) => [
      u.id,
      candidatesOf(u, snapshot, TASTES.radiusKm)
        .filter((v) => !ledger.decided.has(`${u.id}>${v.id}`) && !blockedBy.has(`${u.id}<${v.id}`))
        .map((v) => byId.get(v.id)!),
    ]),
  );
  const scores = await evaluateRankings({
    users: snapshot,
    unseen,
    swiped: ledger.decided,
    radiusKm: TASTES.radiusKm,
    concurrency: 8,
    // The two ground-truth rankings from the planted tastes (issue 24): one-sided and the ceiling.
    truth: TASTES,
    recommend: async (user, k, radiusKm, ranking) =>
      (
        await http.call<{ items: Scored[] }>(
          'GET',
          `/users/${encodeURIComponent(user)}/recommendations?k=${k}&radiusKm=${radiusKm}&ranking=${ranking}`,
          user,
        )
      ).body.items,
  });
  return {
    ...scores,
    recallVsPopularity: scores.rankings.reciprocal.recall10 / scores.rankings.popularity.recall10,
    learned,
  };
}
