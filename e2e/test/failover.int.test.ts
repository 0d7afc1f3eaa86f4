import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, eventually, type UsedPlatform, usePlatform } from '../src/index.ts';

/**
 * Scale-out and failover on the real broker: two instances of edge-set and of match-search (one
 * consumer group per service). A steady write load goes through both instances of each while
 * instance 1 of each is SIGKILLed. Writes are emitted to Kafka before they are acknowledged, so
 * the survivor must take over the killed instance's partitions for those writes to reach the
 * views: the assertion is that every accepted write (each 202) becomes visible in reads. Failed
 * requests during the failover are counted and printed, not asserted to be zero (the killed
 * instance's in-flight requests fail by construction). Anti-spam is left out to keep the file
 * within the CPU budget of a 2-core shared machine.
 */
const run = `fo${Date.now().toString(36)}`;
const u = (name: string) => `${run}-${name}`;
const ADMIN = { admin: u('admin') };
const SERVICES = ['edge-set', 'match-search'] as const;
const TICK_MS = 60;
const BEFORE_KILL_MS = 2_000;
const AFTER_KILL_MS = 8_000;

let platform: UsedPlatform;

beforeAll(async () => {
  platform = await usePlatform(SERVICES, { instances: 2 });
  return platform.close;
}, 300_000);

interface Counters {
  accepted: number;
  failed: number;
  readsOk: number;
  readsFailed: number;
}
const fresh = (): Counters => ({ accepted: 0, failed: 0, readsOk: 0, readsFailed: 0 });

/** A request that never throws: a refused connection (the killed instance) counts as status 0. */
const statuses = new Map<string, number>();
async function attempt(what: string, call: () => Promise<{ status: number }>): Promise<number> {
  let status = 0;
  try {
    status = (await call()).status;
  } catch {
    // refused or reset: the killed instance
  }
  const key = `${what} ${status}`;
  statuses.set(key, (statuses.get(key) ?? 0) + 1);
  return status;
}

const PROFILE = { age: 30, gender: 'female', seeking: ['female', 'male', 'diverse'], ageMin: 20, ageMax: 60 };
const VIEWER = u('viewer');
/** User `i` of match-search's load sits i·100 m north of Berlin: all within the viewer's 50 km. */
const located = (i: number) => ({ lat: 52.52 + (i * 0.1) / 111.2, lon: 13.405 });

const report: string[] = [];
afterAll(() => {
  if (report.length > 0) console.log(`[failover]\n${report.join('\n')}`);
});

describe('two instances of each service, one SIGKILLed under load', () => {
  it('the survivors take over: no accepted write is lost, reads keep being served, the killed instance rejoins', async () => {
    const edges = [platform.api('edge-set', 0), platform.api('edge-set', 1)] as const;
    const search = [platform.api('match-search', 0), platform.api('match-search', 1)] as const;
    const pick = (pair: readonly [ApiClient, ApiClient], i: number, killed: boolean) =>
      killed ? pair[0] : pair[i % 2]!;

    expect(
      (await search[0].request('PUT', `/users/${VIEWER}/profile`, { as: VIEWER, body: PROFILE })).status,
    ).toBe(202);
    expect(
      (await search[0].request('PUT', `/users/${VIEWER}/location`, { as: VIEWER, body: located(0) })).status,
    ).toBe(202);

    const likes: { from: string; to: string; acceptedAt: number }[] = [];
    const placed: { user: string; acceptedAt: number }[] = [];
    const during = { 'edge-set': fresh(), 'match-search': fresh() };
    const crashed: string[] = [];
    let killedAt = 0;
    let killedDone = false;
    // Clients keep sending to the killed instance until its kill is noticed (a load balancer's
    // health check would do the same): those requests are the failover's failed requests.
    const killNoticedAfterMs = 1_000;
    const noticed = () => killedDone && Date.now() - killedAt > killNoticedAfterMs;

    const start = Date.now();
    const killer = (async () => {
      await new Promise((r) => setTimeout(r, BEFORE_KILL_MS));
      killedAt = Date.now();
      // An instance that already died by itself under the load is a finding, not a kill.
      for (const s of SERVICES) {
        const p = platform.instances(s)[1]!.process;
        const gone = await Promise.race([
          p.exited.then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), 50)),
        ]);
        if (gone)
          crashed.push(
            `${s} instance 1 exited by itself before the kill; its last output:\n${p.output().slice(-3000)}`,
          );
      }
      await Promise.all(SERVICES.map((s) => platform.kill(s, 1).catch(() => undefined)));
      killedDone = true;
    })();

    const inFlight: Promise<void>[] = [];
    for (let i = 0; Date.now() - start < BEFORE_KILL_MS + AFTER_KILL_MS; i++) {
      const failover = killedAt > 0;
      const from = u(`a${i % 16}`);
      const to = u(`b${i}`);
      const mover = u(`m${i}`);
      inFlight.push(
        (async () => {
          const c = during['edge-set'];
          const status = await attempt('edge-set write', () =>
            pick(edges, i, noticed()).post('/interactions', from, { to, type: 'like' }),
          );
          if (status === 202) {
            c.accepted++;
            likes.push({ from, to, acceptedAt: Date.now() });
          } else if (failover) c.failed++;
          const read = await attempt('edge-set read', () =>
            pick(edges, i + 1, noticed()).get(`/users/${from}/edges?direction=out`, from),
          );
          if (read === 200) c.readsOk++;
          else if (failover) c.readsFailed++;
        })(),
        (async () => {
          const c = during['match-search'];
          const api = pick(search, i, noticed());
          const profile = await attempt('match-search profile', () =>
            api.request('PUT', `/users/${mover}/profile`, { as: mover, body: PROFILE }),
          );
          const location = await attempt('match-search location', () =>
            api.request('PUT', `/users/${mover}/location`, { as: mover, body: located(i + 1) }),
          );
          if (profile === 202 && location === 202) {
            c.accepted++;
            placed.push({ user: mover, acceptedAt: Date.now() });
          } else if (failover) c.failed++;
          const read = await attempt('match-search read', () =>
            pick(search, i + 1, noticed()).get(`/users/${VIEWER}/nearby?radiusKm=50&limit=10`, VIEWER),
          );
          if (read === 200) c.readsOk++;
          else if (failover) c.readsFailed++;
        })(),
      );
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
    await Promise.all(inFlight);
    await killer;
    const survivors = await Promise.all(
      SERVICES.map(async (s) => {
        const p = platform.instances(s)[0]!.process;
        const alive = await Promise.race([
          p.exited.then((code) => `exited (${code})`),
          new Promise<string>((r) => setTimeout(() => r('alive'), 100)),
        ]);
        return `${s} instance 0 ${alive}; its last output:\n${p.output().slice(-1500)}`;
      }),
    );
    expect(crashed).toEqual([]);
    const seen = `${JSON.stringify(Object.fromEntries(statuses))}\n${survivors.join('\n')}`;
    report.push(`statuses during the load (what status): ${seen}`);
    expect(likes.length, seen).toBeGreaterThan(50);
    expect(placed.length, seen).toBeGreaterThan(50);

    // Every accepted write becomes visible through the survivor; the time until the last one
    // accepted around the kill shows up is the takeover time.
    const survivorEdges = edges[0];
    const survivorSearch = search[0];
    const pendingLikes = new Set(likes.map((l) => `${l.from}>${l.to}`));
    const pendingPlaced = new Set(placed.map((p) => p.user));
    let edgesCaughtUpAt = 0;
    let searchCaughtUpAt = 0;
    const lostPlaced = () =>
      placed
        .filter((p) => pendingPlaced.has(p.user))
        .map((p) => `${p.user} accepted ${p.acceptedAt - killedAt} ms after the kill`);
    // Both checks run to their deadline and are reported before anything is asserted, so that
    // one service's lost writes do not hide the other's figures or the rejoin check.
    await eventually(
      async () => {
        if (pendingLikes.size > 0)
          for (const from of new Set(likes.map((l) => l.from))) {
            const res = await survivorEdges.get<{ edges: { user: string; type: string }[] }>(
              `/users/${from}/edges?direction=out&type=like&limit=1000`,
              ADMIN,
            );
            if (res.status !== 200) continue;
            for (const e of res.body.edges) pendingLikes.delete(`${from}>${e.user}`);
          }
        if (pendingLikes.size === 0 && edgesCaughtUpAt === 0) edgesCaughtUpAt = Date.now();
        const near = await survivorSearch.get<{ users: { user: string }[] }>(
          `/users/${VIEWER}/nearby?radiusKm=50&limit=500`,
          VIEWER,
        );
        if (near.status === 200) for (const x of near.body.users) pendingPlaced.delete(x.user);
        if (pendingPlaced.size === 0 && searchCaughtUpAt === 0) searchCaughtUpAt = Date.now();
        expect(pendingLikes.size + pendingPlaced.size).toBe(0);
      },
      45_000,
      500,
    ).catch(() => undefined);

    const caughtUp = (at: number, missing: number) =>
      at > 0 ? `all visible ${at - killedAt} ms after the kill` : `${missing} NOT visible 45 s later`;
    report.push(
      `edge-set: ${likes.length} accepted likes, ${during['edge-set'].failed} failed writes and ${during['edge-set'].readsFailed} failed reads (of ${during['edge-set'].readsOk + during['edge-set'].readsFailed}) from the kill on; ${caughtUp(edgesCaughtUpAt, pendingLikes.size)}`,
      `match-search: ${placed.length} accepted profile+location pairs, ${during['match-search'].failed} failed writes and ${during['match-search'].readsFailed} failed reads (of ${during['match-search'].readsOk + during['match-search'].readsFailed}) from the kill on; ${caughtUp(searchCaughtUpAt, pendingPlaced.size)}`,
    );
    // Reads kept being served by the survivors after the kill was noticed.
    for (const s of SERVICES) expect(during[s].readsOk).toBeGreaterThan(0);

    // The killed instances restart on their port and data dir, become ready and serve reads.
    for (const s of SERVICES) {
      const restartedAt = Date.now();
      const back = await platform.restart(s, 1);
      expect((await back.api.get('/readyz')).status).toBe(200);
      report.push(`${s}: instance 1 ready again ${Date.now() - restartedAt} ms after restart`);
    }
    await eventually(async () => {
      const res = await platform
        .api('match-search', 1)
        .get<{ users: { user: string }[] }>(`/users/${VIEWER}/nearby?radiusKm=50&limit=500`, VIEWER);
      expect(res.status).toBe(200);
      expect(res.body.users.map((x) => x.user)).toContain(placed.at(-1)!.user);
    }, 30_000);
    // And the restarted instance takes writes again (its processors rejoined the group).
    const late = u('late');
    const moved = await platform
      .api('match-search', 1)
      .request('PUT', `/users/${late}/profile`, { as: late, body: PROFILE });
    expect(moved.status).toBe(202);
    // edge-set's likes are asserted by the two tests below, from what this run saw: through the
    // survivor alone within 45 s of the kill, and through the restarted instance afterwards.
    edgeSet.missingWithin45s = [...pendingLikes];
    const notRestored = new Set(likes.map((l) => `${l.from}>${l.to}`));
    await eventually(async () => {
      for (const from of new Set(likes.map((l) => l.from))) {
        const res = await platform
          .api('edge-set', 1)
          .get<{ edges: { user: string }[] }>(
            `/users/${from}/edges?direction=out&type=like&limit=1000`,
            ADMIN,
          );
        if (res.status === 200) for (const e of res.body.edges) notRestored.delete(`${from}>${e.user}`);
      }
      expect(notRestored.size).toBe(0);
    }, 30_000).catch(() => undefined);
    edgeSet.missingAfterRestart = [...notRestored];
    report.push(
      `edge-set after the restart: ${likes.length - notRestored.size} of ${likes.length} accepted likes visible through the restarted instance`,
    );
    // The takeover: every accepted placement was visible through the survivor within 45 s of the
    // kill, without waiting for the killed instance's restart (asserted last, after the figures
    // and the rejoin). edge-set's: the two tests below.
    expect(
      lostPlaced().slice(0, 10),
      `${pendingPlaced.size} accepted placements not visible through the survivor within 45 s`,
    ).toEqual([]);
  }, 240_000);

  // edge-set's properties under the load and the kill of the test above (issue #9: a previous
  // owner's late InitProducerId fenced the new owner's exactly-once producer, which failed the
  // processor and the whole instance; now the partition restarts from its committed state).
  const edgeSet = {
    missingWithin45s: ['(the test above did not get there)'],
    missingAfterRestart: ['(idem)'],
  };
  it('edge-set: the survivor alone shows every accepted like within 45 s of the kill', () => {
    expect(edgeSet.missingWithin45s.slice(0, 10), `${edgeSet.missingWithin45s.length} likes missing`).toEqual(
      [],
    );
  });
  it('edge-set: no accepted like is lost across a SIGKILL and restart of one of two instances', () => {
    expect(
      edgeSet.missingAfterRestart.slice(0, 10),
      `${edgeSet.missingAfterRestart.length} likes missing`,
    ).toEqual([]);
  });
});
