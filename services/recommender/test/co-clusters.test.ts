import { describe, expect, it, vi } from 'vitest';
import { ScanIndex } from '../src/candidate-index.ts';
import { ClusterFitter, type ModelSource } from '../src/cluster-fitter.ts';
import { defaultCoClusterConfig, dot, fitCoClusters } from '../src/co-clusters.ts';
import { defaultLearnerConfig, emptyRow, type ModelRow } from '../src/model.ts';
import { Ranker, type Searchable } from '../src/ranker.ts';

// A fit of these 100 users took 0.5–2.4 s at load 30–50 on the shared 2-core machine.
vi.setConfig({ testTimeout: 60_000 });

/**
 * A planted population: 4 kinds of 25 users; kind k likes kind k ^ 1 with probability 0.85 and
 * anyone else with 0.1. Each user decides on 30 others drawn at random (a fixed-seed generator).
 */
function planted(): { rows: ModelRow[]; kindOf: (user: string) => number } {
  const kinds = 4;
  const per = 25;
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const id = (k: number, i: number) => `k${k}-${i}`;
  const kindOf = (user: string) => Number(user.slice(1, user.indexOf('-')));
  const out = new Map<string, { liked: string[]; passed: string[] }>();
  const inbound = new Map<string, { likedBy: string[]; passedBy: string[] }>();
  for (let k = 0; k < kinds; k++)
    for (let i = 0; i < per; i++) {
      out.set(id(k, i), { liked: [], passed: [] });
      inbound.set(id(k, i), { likedBy: [], passedBy: [] });
    }
  for (const u of out.keys()) {
    const seen = new Set([u]);
    while (seen.size <= 30) {
      const v = id(Math.floor(rand() * kinds), Math.floor(rand() * per));
      if (seen.has(v)) continue;
      seen.add(v);
      const like = rand() < (kindOf(v) === (kindOf(u) ^ 1) ? 0.85 : 0.1);
      out.get(u)![like ? 'liked' : 'passed'].push(v);
      inbound.get(v)![like ? 'likedBy' : 'passedBy'].push(u);
    }
  }
  const rows = [...out.keys()].map(
    (u): ModelRow => ({ ...emptyRow(u, defaultLearnerConfig), ...out.get(u)!, ...inbound.get(u)! }),
  );
  return { rows, kindOf };
}

describe('co-clustering of tastes and appeals', () => {
  it('recovers planted kinds: every user rates its preferred kind far above the others, both directions', () => {
    const { rows, kindOf } = planted();
    const fit = fitCoClusters(rows, { ...defaultCoClusterConfig, clusters: 4 });
    for (const u of rows.map((r) => r.user)) {
      const likes = fit.likesOf(u);
      const likedBy = fit.likedByOf(u);
      for (const v of rows.map((r) => r.user)) {
        if (kindOf(v) === (kindOf(u) ^ 1)) {
          expect(dot(likes, fit.appealOf(v))).toBeGreaterThan(0.6);
          expect(dot(fit.tasteOf(v), likedBy)).toBeGreaterThan(0.6);
        } else if (kindOf(v) !== kindOf(u)) {
          expect(dot(likes, fit.appealOf(v))).toBeLessThan(0.3);
        }
      }
    }
  });

  it('is a function of the rows: the same rows in another order give the same fit', () => {
    const { rows } = planted();
    const a = fitCoClusters(rows);
    const b = fitCoClusters([...rows].reverse());
    for (const r of rows) {
      expect(Array.from(b.tasteOf(r.user))).toEqual(Array.from(a.tasteOf(r.user)));
      expect(Array.from(b.appealOf(r.user))).toEqual(Array.from(a.appealOf(r.user)));
    }
  });

  it('gives users without decisions, and unknown users, the cluster shares', () => {
    const fit = fitCoClusters([emptyRow('lonely', defaultLearnerConfig)]);
    const share = fit.tasteOf('nobody');
    expect(share.reduce((s, x) => s + x, 0)).toBeCloseTo(1);
    expect(Number.isFinite(dot(fit.likesOf('lonely'), fit.appealOf('nobody')))).toBe(true);
  });
});

describe('the ranker with the co-clustering', () => {
  it('ranks the users of the kind that likes the caller and that the caller likes first, unseen ones only', async () => {
    const { rows, kindOf } = planted();
    const fit = fitCoClusters(rows, { ...defaultCoClusterConfig, clusters: 4 });
    const byId = new Map(rows.map((r) => [r.user, r]));
    const index = new ScanIndex();
    const person: Searchable = {
      profile: { age: 30, gender: 'female', seeking: ['female'], ageMin: 18, ageMax: 60 },
      location: { lat: 52.5, lon: 13.4 },
    };
    for (const r of rows) index.set(r.user, person.location);
    const me = 'k0-3';
    const seen = new Set([...(byId.get(me)!.liked ?? []), ...(byId.get(me)!.passed ?? [])]);
    const ready = async () => {};
    const ranker = new Ranker(
      {
        users: { get: (k) => (byId.has(k) ? person : undefined), ready },
        model: { get: (k) => byId.get(k), ready },
        spamBlocked: { get: () => undefined, ready },
        exclusions: async () => seen,
        index,
        clusters: () => fit,
      },
      defaultLearnerConfig,
      { exploreShare: 0, exploreMinReceived: 0, clusterWeight: 1 },
    );
    const result = await ranker.rank(me, { k: 10, radiusKm: 50 });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.items).toHaveLength(10);
    for (const item of result.items) {
      expect(kindOf(item.user)).toBe(1);
      expect(seen.has(item.user)).toBe(false);
    }
  });
});

describe('ClusterFitter', () => {
  it('refits after a change, at most once per interval, and says how far behind it is', async () => {
    const { rows } = planted();
    const table = new Map<string, ModelRow>();
    const listeners = new Set<() => void>();
    let version = 0;
    const source: ModelSource = {
      get version() {
        return version;
      },
      entries: () => table.entries(),
      onChange(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const set = (row: ModelRow) => {
      table.set(row.user, row);
      version++;
      for (const l of listeners) l();
    };
    const fitter = new ClusterFitter(source, { ...defaultCoClusterConfig, clusters: 4 }, 20);
    try {
      expect(fitter.current()).toBeUndefined();
      for (const r of rows) set(r);
      expect(fitter.behind).toBe(rows.length);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(fitter.behind).toBe(0);
      const first = fitter.current();
      expect(first).toBeDefined();
      set(rows[0]!);
      expect(fitter.behind).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(fitter.behind).toBe(0);
      expect(fitter.current()).not.toBe(first);
    } finally {
      fitter.close();
    }
  });
});
