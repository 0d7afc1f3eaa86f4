/**
 * 8 edge-set: the interaction graph service's processors (pairs → loopback → index, notifier;
 * exactly-once, levelStorage) on the real broker, with a hub of many in-likes present.
 * hub build: `hubSize` users like one hub (each a new pair: 2 pair rows, 2 index rows, one
 * notification); events/s from the first emit until the index group has applied every update.
 * ingest: then `ingestEvents` likes/visits/messages from new users, half of them to the hub,
 * the rest to 1,000 normal users; events/s measured the same way — the hub's size must not
 * slow it down (one event touches O(1) rows whatever the degree).
 * pages: GET /users/:id/edges through Fastify inject (auth, validation, view range scan,
 * serialisation): the hub's in-likes from random cursors vs a normal user's in-edges, same
 * limit; and the hub's out-edges (it has 10 out-edges next to its in-likes: the per-direction
 * index keeps that page from scanning them). Baselines: the normal user's page for the hub's,
 * and scenario 3's exactly-once count processor for the ingest rate.
 */
import { join } from 'node:path';
import { createEdgeSet, type Topology, topology } from '@showcase/edge-set';
import { Emitter, levelStorage, type Processor } from '@showcase/goka';
import { mintToken } from '@showcase/service-kit';
import { gokaCluster, gokaUnavailable } from '../cluster.ts';
import { seededRandom } from '../data.ts';
import { uniqueName } from '../naming.ts';
import type { Scenario, Variant } from '../scenario.ts';
import type { Sizes } from '../sizes.ts';
import { nowMs, Samples } from '../stats.ts';

interface EdgeSetSizes {
  readonly hubSize: number;
  readonly ingestEvents: number;
  readonly pageSamples: number;
}

/** Full follows issue 11 (a 100,000 in-edge hub); quick only proves the plumbing. */
function edgeSetSizes(sizes: Sizes): EdgeSetSizes {
  return sizes.statefulRecords >= 100_000
    ? { hubSize: 100_000, ingestEvents: 20_000, pageSamples: 300 }
    : { hubSize: 5_000, ingestEvents: 2_000, pageSamples: 100 };
}

const SECRET = 'bench-edge-set-secret-0123456789';
const NORMAL_USERS = 1_000;
const PAGE = 50;

/** Resolves once the index group has applied `total` updates (each is applied once: exactly-once). */
async function indexApplied(index: Processor<unknown, unknown>, total: number, log: (l: string) => void) {
  let lastLog = nowMs();
  for (;;) {
    if (index.state === 'failed') throw index.error;
    const stats = index.stats();
    const processed = stats.partitions.reduce((s, p) => s + p.processed, 0);
    if (processed >= total && stats.partitions.every((p) => p.inFlight === 0)) return;
    if (nowMs() - lastLog > 5_000) {
      log(`index updates applied ${processed}/${total}`);
      lastLog = nowMs();
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function emitAll(
  emitter: Emitter<import('@showcase/contracts').Interaction>,
  events: readonly import('@showcase/contracts').Interaction[],
) {
  for (let i = 0; i < events.length; i += 2_000) {
    await Promise.all(events.slice(i, i + 2_000).map((e) => emitter.emit(e.from, e)));
  }
}

const runWith =
  (guarantee: 'exactly-once' | 'at-least-once'): Variant['run'] =>
  async (ctx, _fixtures, rep, log) => {
    const sizes = edgeSetSizes(ctx.sizes);
    const t: Topology = topology(`${uniqueName(ctx, 'es', guarantee, rep)}-`);
    const cluster = gokaCluster(ctx.brokers, 'bench-edge-set');
    const built = await createEdgeSet({
      cluster,
      storage: (component) =>
        levelStorage({ path: join(ctx.workDir, `edge-set-${guarantee}-${rep}`, component) }),
      env: {
        AUTH_SECRET: SECRET,
        LOG_LEVEL: 'silent',
        PORT: '0',
        PARTITIONS: String(ctx.sizes.partitions),
        GUARANTEE: guarantee,
      },
      topology: t,
    });
    const emitter = new Emitter({ cluster, topic: t.interactions.name, codec: t.interactions.codec });
    try {
      await built.service.start({ listen: false });
      await built.service.whenReady(120_000);
      const index = built.processors.index;
      let at = Date.now();
      let id = 0;
      const event = (from: string, to: string, type: 'like' | 'visit' | 'message') => ({
        id: `b${++id}`,
        from,
        to,
        type,
        at: at++,
      });
      let updates = 0;

      // The hub's 10 out-edges, then its in-likes.
      const outs = Array.from({ length: 10 }, (_, i) => event('hub', `m${i}`, 'visit'));
      await emitAll(emitter, outs);
      updates += 2 * outs.length;
      await indexApplied(index, updates, log);
      const hub = Array.from({ length: sizes.hubSize }, (_, i) => event(`f${i}`, 'hub', 'like'));
      let started = nowMs();
      await emitAll(emitter, hub);
      updates += 2 * hub.length;
      await indexApplied(index, updates, log);
      const hubRate = (hub.length * 1000) / (nowMs() - started);
      log(`hub of ${hub.length} in-likes built at ${Math.round(hubRate)} events/s`);

      const random = seededRandom(rep + 1);
      const types = ['like', 'visit', 'message'] as const;
      const mixed = Array.from({ length: sizes.ingestEvents }, (_, i) =>
        event(
          `n${i}`,
          random() < 0.5 ? 'hub' : `m${Math.floor(random() * NORMAL_USERS)}`,
          types[Math.floor(random() * types.length)]!,
        ),
      );
      started = nowMs();
      await emitAll(emitter, mixed);
      updates += 2 * mixed.length;
      await indexApplied(index, updates, log);
      const ingestRate = (mixed.length * 1000) / (nowMs() - started);
      log(`ingest with the hub present: ${Math.round(ingestRate)} events/s`);

      // Views follow the tables: wait until the hub's last in-like is listed.
      const { app } = built.service;
      const headers = {
        authorization: `Bearer ${mintToken({ secret: SECRET, user: 'admin', admin: true })}`,
      };
      const get = (url: string) => app.inject({ method: 'GET', url, headers });
      for (;;) {
        const r = (
          await get(`/users/hub/edges?direction=in&type=like&limit=1&cursor=f${sizes.hubSize - 2}`)
        ).json();
        if (r.edges?.length === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const time = async (samples: Samples, url: string, expect: number) => {
        const t0 = nowMs();
        const res = await get(url);
        samples.add(nowMs() - t0);
        const n = (res.json() as { edges: unknown[] }).edges.length;
        if (res.statusCode !== 200 || n < expect) throw new Error(`${url}: ${res.statusCode}, ${n} edges`);
      };
      const hubPages = new Samples();
      const normalPages = new Samples();
      const hubOut = new Samples();
      for (let i = 0; i < sizes.pageSamples; i++) {
        // Cursors spread over the hub's list (user ids sort as strings: f0, f1, f10, …).
        const cursor = `f${Math.floor(random() * (sizes.hubSize - PAGE * 10))}`;
        await time(hubPages, `/users/hub/edges?direction=in&type=like&limit=${PAGE}&cursor=${cursor}`, 1);
        await time(normalPages, `/users/m${i % NORMAL_USERS}/edges?direction=in&limit=${PAGE}`, 1);
        await time(hubOut, `/users/hub/edges?direction=out&limit=${PAGE}`, 10);
      }
      const [hubP50, hubP99] = hubPages.percentiles(50, 99);
      const [normalP50, normalP99] = normalPages.percentiles(50, 99);
      const [outP50] = hubOut.percentiles(50);
      log(
        `GET edges page p50: hub ${hubP50!.toFixed(2)} ms, normal ${normalP50!.toFixed(2)} ms, hub out ${outP50!.toFixed(2)} ms`,
      );
      return {
        hubRate,
        ingestRate,
        hubP50: hubP50!,
        hubP99: hubP99!,
        normalP50: normalP50!,
        normalP99: normalP99!,
        hubOutP50: outP50!,
      };
    } finally {
      await emitter.close();
      await built.service.stop();
      await cluster.close();
    }
  };

export const edgeSet: Scenario = {
  name: 'edge-set',
  number: 8,
  title: 'edge-set: interactions through the processors with a hub of in-likes; GET edges page latency',
  fixtures: [],
  variants: [
    { name: 'edge-set', unavailable: gokaUnavailable, run: runWith('exactly-once') },
    { name: 'edge-set-alo', unavailable: gokaUnavailable, run: runWith('at-least-once') },
  ],
  figures: [
    {
      figure: 'ingest with a hub present, exactly-once',
      unit: 'events/s',
      variant: 'edge-set',
      measure: 'ingestRate',
      baseline: { scenario: 'stateful', figure: 'count processor throughput, exactly-once' },
    },
    { figure: 'hub build (in-likes to one user)', unit: 'events/s', variant: 'edge-set', measure: 'hubRate' },
    {
      figure: 'ingest with a hub present, at-least-once',
      unit: 'events/s',
      variant: 'edge-set-alo',
      measure: 'ingestRate',
      baseline: { variant: 'edge-set', measure: 'ingestRate' },
    },
    {
      figure: 'GET edges page p50, hub in-likes',
      unit: 'ms',
      variant: 'edge-set',
      measure: 'hubP50',
      baseline: { variant: 'edge-set', measure: 'normalP50' },
    },
    {
      figure: 'GET edges page p99, hub in-likes',
      unit: 'ms',
      variant: 'edge-set',
      measure: 'hubP99',
      baseline: { variant: 'edge-set', measure: 'normalP99' },
    },
    { figure: 'GET edges page p50, normal user', unit: 'ms', variant: 'edge-set', measure: 'normalP50' },
    {
      figure: 'GET edges page p50, hub out-edges',
      unit: 'ms',
      variant: 'edge-set',
      measure: 'hubOutP50',
      baseline: { variant: 'edge-set', measure: 'normalP50' },
    },
  ],
  parameters: (s) => ({
    ...edgeSetSizes(s),
    normalUsers: NORMAL_USERS,
    pageLimit: PAGE,
    partitions: s.partitions,
    guarantee: 'exactly-once',
    storage: 'levelStorage',
  }),
  timeoutMs: (s) => 120_000 + edgeSetSizes(s).hubSize * 10,
};
