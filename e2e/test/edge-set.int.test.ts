import { interactions } from '@showcase/contracts';
import {
  batchOracle,
  compare,
  type EdgePage,
  type MatchPage,
  observeGraph,
  randomInteractions,
} from '@showcase/edge-set/sim';
import { Emitter, kafkaCluster } from '@showcase/goka';
import { beforeAll, describe, expect, it } from 'vitest';
import { brokers, eventually, type UsedService, useService } from '../src/index.ts';

/**
 * edge-set end to end: the service as a process on the real broker, read over HTTP/WS only.
 * User ids carry a run prefix so a reused broker's old data cannot interfere.
 */
const run = Date.now().toString(36);
const u = (name: string) => `${run}-${name}`;

let svc: UsedService;
beforeAll(async () => {
  // The services' default partition count: every test of the run shares one broker, and the
  // contract topics exist once with one count.
  svc = await useService('edge-set');
  return svc.close;
});

describe('edge-set over HTTP and WebSocket', () => {
  it('a mutual like is a match on both sides, pushed as new-match on /ws/notifications', async () => {
    const [ann, ben] = [u('ann'), u('ben')];
    const ws = await svc.api.socket('/ws/notifications', ben);
    try {
      await ws.next((m) => m.type === 'subscribed');
      expect((await svc.api.post('/interactions', ann, { to: ben, type: 'like' })).status).toBe(202);
      expect(await ws.next((m) => m.type === 'liked-you')).toMatchObject({ user: ann });
      expect((await svc.api.post('/interactions', ben, { to: ann, type: 'like' })).status).toBe(202);
      const pushed = await ws.next((m) => m.type === 'new-match');
      expect(pushed).toMatchObject({ user: ann, at: expect.any(String) });
      const matches = await eventually(async () => {
        const r = await svc.api.get<MatchPage>(`/users/${ann}/matches`, ann);
        expect(r.body.matches).toHaveLength(1);
        return r.body.matches;
      });
      expect(matches).toEqual([{ user: ben, since: pushed.at }]);
      const rel = await svc.api.get(`/users/${ben}/relation/${ann}`, ben);
      expect(rel.body).toMatchObject({ match: true, since: pushed.at });
      const bad = await svc.api.post('/interactions', ann, { to: ann, type: 'like' });
      expect(bad).toMatchObject({ status: 400, body: { field: 'body.to' } });
      expect((await svc.api.get(`/users/${ann}/edges`, ben)).status).toBe(403);
    } finally {
      ws.close();
    }
  });

  it('edges and matches equal the batch fold after duplicates and a SIGKILL of the service mid-stream', async () => {
    const records = randomInteractions({
      seed: 7,
      actors: 30,
      events: 3000,
      duplicateRate: 0.05,
      prefix: `${run}-p`,
      start: Date.now(),
    });
    const cluster = kafkaCluster({ brokers: brokers().split(','), clientId: 'edge-set-e2e' });
    const emitter = new Emitter({ cluster, topic: interactions.name, codec: interactions.codec });
    try {
      const write = async (slice: typeof records) => {
        // One actor's records stay in order (emits of one key to one partition, awaited in order).
        for (let i = 0; i < slice.length; i += 100) {
          await Promise.all(slice.slice(i, i + 100).map((e) => emitter.emit(e.from, e)));
        }
      };
      const half = records.length / 2;
      await write(records.slice(0, half));
      // Kill as soon as the processors are visibly at work: uncommitted work is in flight.
      const first = records[0]!;
      await eventually(async () => {
        const r = await svc.api.get<{ out: unknown[]; in: unknown[] }>(
          `/users/${first.from}/relation/${first.to}`,
          first.from,
        );
        expect(r.body.out.length + r.body.in.length).toBeGreaterThan(0);
      }, 60_000);
      const pid = svc.current.pid!;
      process.kill(pid, 'SIGKILL');
      expect(await svc.current.exited).toBeNull();
      await write(records.slice(half));
      await svc.restart();

      const oracle = batchOracle(records);
      const users = new Set(records.flatMap((e) => [e.from, e.to]));
      const reader = {
        edges: async (user: string, direction: 'out' | 'in', cursor: string | undefined) => {
          const q = `direction=${direction}&limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
          return (await svc.api.get<EdgePage>(`/users/${user}/edges?${q}`, user)).body;
        },
        matches: async (user: string, cursor: string | undefined) => {
          const q = `limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
          return (await svc.api.get<MatchPage>(`/users/${user}/matches?${q}`, user)).body;
        },
      };
      const result = await eventually(
        async () => {
          const r = compare(oracle, await observeGraph(users, reader));
          expect(r.differences).toEqual([]);
          return r;
        },
        90_000,
        500,
      );
      expect(result.expectedMatches).toBeGreaterThan(0);
      expect(result.expectedEdges).toBeGreaterThan(100);
    } finally {
      await emitter.close();
      await cluster.close();
    }
  }, 180_000);
});
