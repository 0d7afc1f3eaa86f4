import { type Interaction, interactions } from '@showcase/contracts';
import type { View } from '@showcase/goka';
import { afterEach, describe, expect, it } from 'vitest';
import { observeGraph } from '../sim/observe.ts';
import { batchOracle, compare, type Observed } from '../sim/oracle.ts';
import { randomInteractions } from '../sim/workload.ts';
import { listEdges, listMatches, parseCursor } from '../src/lists.ts';
import type { IndexEntry } from '../src/model.ts';
import { startGroups } from './support.ts';

type Groups = Awaited<ReturnType<typeof startGroups>>;
let running: Groups | undefined;
afterEach(async () => {
  await running?.tester.stop();
  running = undefined;
});

/** Everything the lists serve, read page by page (small pages, so cursors are exercised). */
function observe(view: View<IndexEntry>, users: Iterable<string>): Promise<Observed> {
  return observeGraph(users, {
    async edges(user, direction, raw) {
      const cursor = raw === undefined ? undefined : parseCursor(raw, false);
      const page = await listEdges(view, user, direction, undefined, 7, cursor);
      return { edges: page.items, ...(page.next ? { next: page.next } : {}) };
    },
    async matches(user, raw) {
      const cursor = raw === undefined ? undefined : parseCursor(raw, true);
      const page = await listMatches(view, user, 3, cursor);
      return { matches: page.items, ...(page.next ? { next: page.next } : {}) };
    },
  });
}

/** The records of the interactions topic, each partition in its order: what was accepted. */
function accepted(groups: Groups): Interaction[] {
  const out: Interaction[] = [];
  const partitions = groups.tester.cluster.partitionsOf(interactions.name) ?? 0;
  for (let p = 0; p < partitions; p++) {
    for (const r of groups.tester.cluster.records(interactions.name, p)) {
      if (r.value) out.push(interactions.codec.decode(r.value));
    }
  }
  return out;
}

describe('edge-set against a batch oracle', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: edges (counts included) and matches equal the batch fold, through duplicates and restarts`, async () => {
      running = await startGroups();
      const { tester, restart } = running;
      const records = randomInteractions({ seed, actors: 24, events: 900, duplicateRate: 0.08 });
      expect(new Set(records.map((e) => e.id)).size).toBeLessThan(records.length - 40);
      const batch = 15;
      for (let i = 0; i < records.length; i += batch) {
        // A batch is written at once, so actors interleave and in-flight loopbacks cross.
        await Promise.all(records.slice(i, i + batch).map((e) => running!.send(e)));
        if (i > 0 && i % 300 === 0) {
          // Restart every group: recovery from the changelog, then the rest of the stream.
          await restart();
        }
      }
      await tester.waitIdle();
      const oracle = batchOracle(accepted(running));
      const users = new Set(records.flatMap((e) => [e.from, e.to]));
      const result = compare(oracle, await observe(running.indexView, users));
      expect(result.differences).toEqual([]);
      expect(result.expectedMatches).toBeGreaterThan(0);
      expect(result.expectedEdges).toBeGreaterThan(50);

      // Match events: per (user, other) they alternate new-match / match-ended and end in the state.
      const last = new Map<string, string>();
      for (const m of running.matches.all()) {
        const k = `${m.value!.user}|${m.value!.other}`;
        expect(m.value!.type).not.toBe(last.get(k) ?? 'match-ended');
        last.set(k, m.value!.type);
      }
      for (const [k, type] of last) expect(type === 'new-match').toBe(oracle.matches.has(k));
      for (const k of oracle.matches.keys()) expect(last.get(k)).toBe('new-match');
    }, 60_000);
  }
});
