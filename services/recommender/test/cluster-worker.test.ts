import { describe, expect, it, vi } from 'vitest';
import { ClusterFitter, type ModelSource } from '../src/cluster-fitter.ts';
import { CoClusterThread } from '../src/co-cluster-thread.ts';
import { type CoClusterFit, defaultCoClusterConfig, fitCoClusters } from '../src/co-clusters.ts';
import { defaultLearnerConfig, emptyRow, type ModelRow } from '../src/model.ts';

// A fit of 600 users with 36,000 decisions takes seconds of CPU on the shared 2-core machine.
vi.setConfig({ testTimeout: 120_000 });

/** 600 users of 6 kinds; each decides on 60 others (kind k likes kind (k + 1) % 6 at 0.8). */
function population(): ModelRow[] {
  let seed = 424242;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const kinds = 6;
  const n = 600;
  const kindOf = (i: number) => i % kinds;
  const rows: ModelRow[] = [];
  for (let u = 0; u < n; u++) {
    const liked: string[] = [];
    const passed: string[] = [];
    const seen = new Set([u]);
    while (seen.size <= 60) {
      const v = Math.floor(rand() * n);
      if (seen.has(v)) continue;
      seen.add(v);
      const like = rand() < (kindOf(v) === (kindOf(u) + 1) % kinds ? 0.8 : 0.1);
      (like ? liked : passed).push(`u${v}`);
    }
    rows.push({ ...emptyRow(`u${u}`, defaultLearnerConfig), liked, passed });
  }
  return rows;
}

function source(rows: readonly ModelRow[]): ModelSource & { set(row: ModelRow): void } {
  const table = new Map(rows.map((r) => [r.user, r]));
  const listeners = new Set<() => void>();
  let version = rows.length;
  return {
    get version() {
      return version;
    },
    entries: () => table.entries(),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(row) {
      table.set(row.user, row);
      version++;
      for (const l of listeners) l();
    },
  };
}

const config = { ...defaultCoClusterConfig, clusters: 6 };
const hour = 3_600_000;

function expectSameFit(a: CoClusterFit, b: CoClusterFit): void {
  const pa = a.parts();
  const pb = b.parts();
  expect(pb.users).toEqual(pa.users);
  expect(Array.from(pb.taste)).toEqual(Array.from(pa.taste));
  expect(Array.from(pb.appeal)).toEqual(Array.from(pa.appeal));
  expect(Array.from(pb.theta)).toEqual(Array.from(pa.theta));
  expect(Array.from(pb.tasteShare)).toEqual(Array.from(pa.tasteShare));
  expect(Array.from(pb.appealShare)).toEqual(Array.from(pa.appealShare));
  expect(pb.logLikelihood).toBe(pa.logLikelihood);
}

describe('ClusterFitter in a worker thread', () => {
  it('fits off the event loop: the loop keeps turning during the fit, which equals the inline one', async () => {
    const rows = population();
    const model = source(rows);
    const errors: unknown[] = [];
    const fitter = new ClusterFitter(model, config, hour, (e) => errors.push(e), { mode: 'worker' });
    try {
      // Count turns of the event loop from the moment the fit is asked for until it arrives.
      let turns = 0;
      let fitted = false;
      const spin = () => {
        if (fitted) return;
        turns++;
        setImmediate(spin);
      };
      const refit = fitter.refit();
      // refit() returned without fitting: an inline fit would be in place here already.
      expect(fitter.current()).toBeUndefined();
      expect(fitter.behind).toBe(rows.length);
      setImmediate(spin);
      await refit;
      fitted = true;
      expect(errors).toEqual([]);
      expect(fitter.behind).toBe(0);
      // The loop turned while the worker fitted (an inline fit would allow none of these turns).
      expect(turns).toBeGreaterThan(3);
      expectSameFit(fitCoClusters(rows, config), fitter.current()!);
    } finally {
      await fitter.close();
    }
  });

  it('fits once at a time; a change during a fit schedules the next one', async () => {
    const rows = population();
    const model = source(rows);
    const fitter = new ClusterFitter(model, config, 10, undefined, { mode: 'worker' });
    try {
      const first = fitter.refit();
      model.set({ ...rows[0]!, liked: [...(rows[0]!.liked ?? []), 'u599'] });
      // A second refit while one is in flight starts nothing.
      await fitter.refit();
      await first;
      expect(fitter.behind).toBe(1);
      const firstFit = fitter.current();
      expect(firstFit).toBeDefined();
      while (fitter.behind > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(fitter.current()).not.toBe(firstFit);
    } finally {
      await fitter.close();
    }
  });

  it('reports a worker that fails to start, and retries with a new one after the interval', async () => {
    const rows = population().slice(0, 100);
    const model = source(rows);
    const errors: unknown[] = [];
    const broken = new CoClusterThread(new URL('./no-such-worker.js', import.meta.url));
    const fitter = new ClusterFitter(model, config, 10, (e) => errors.push(e), {
      mode: 'worker',
      thread: broken,
    });
    try {
      await fitter.refit();
      expect(errors).toHaveLength(1);
      expect(fitter.current()).toBeUndefined();
      expect(fitter.behind).toBe(rows.length);
      // No table change: the retry comes from the failure itself.
      while (errors.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(fitter.current()).toBeUndefined();
    } finally {
      await fitter.close();
    }
  });

  it('keeps serving the previous fit when a fit fails, and the next refit fits again', async () => {
    const rows = population().slice(0, 100);
    const model = source(rows);
    const errors: unknown[] = [];
    let calls = 0;
    class Flaky extends CoClusterThread {
      override fit(...args: Parameters<CoClusterThread['fit']>): Promise<CoClusterFit> {
        return ++calls === 2 ? Promise.reject(new Error('worker lost')) : super.fit(...args);
      }
    }
    const fitter = new ClusterFitter(model, config, hour, (e) => errors.push(e), {
      mode: 'worker',
      thread: new Flaky(),
    });
    try {
      await fitter.refit();
      const first = fitter.current();
      expect(first).toBeDefined();
      model.set({ ...rows[0]!, passed: [...(rows[0]!.passed ?? []), 'u99'] });
      await fitter.refit();
      expect(errors).toHaveLength(1);
      expect(fitter.current()).toBe(first);
      expect(fitter.behind).toBe(1);
      await fitter.refit();
      expect(errors).toHaveLength(1);
      expect(fitter.behind).toBe(0);
      expect(fitter.current()).not.toBe(first);
    } finally {
      await fitter.close();
    }
  });
});
