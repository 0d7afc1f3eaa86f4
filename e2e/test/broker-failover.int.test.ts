import { writeFileSync } from 'node:fs';
import {
  busiestLeader,
  type ClusterNode,
  partitionStates,
  provideKafkaCluster,
  type RunningCluster,
  topicConfigValues,
  waitForInSync,
} from '@showcase/kafka-infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrokerEvent,
  type EventFigures,
  eventFigures,
  figuresTable,
} from '../src/broker-failover/figures.ts';
import { WriteLoad } from '../src/broker-failover/load.ts';
import { type ApiClient, eventually, type UsedPlatform, usePlatform } from '../src/index.ts';

/**
 * Broker failover under load on a real three-node KRaft cluster (its own, started by this file):
 * the five services, one instance each, take a steady write load over HTTP while
 * 1. the broker leading most partitions is SIGKILLed, and later started again;
 * 2. all three brokers are restarted one after the other (SIGTERM, start, wait until in sync);
 * 3. the broker leading most partitions is SIGSTOPped (slow, not dead) and resumed.
 * Afterwards every acknowledged write is visible: messages in inboxes, likes as edges, users in
 * match-search's table, likes learned by the recommender, own events counted by segmentation,
 * and edge-set's visit counts (an exactly-once group) equal the acknowledged visits — more only
 * by writes whose request failed without an answer (those may or may not have been written).
 * Per event and service the figures (accepted, failed, slow, time until writes succeed at normal
 * latency again) are printed, and written as JSON to E2E_FAILOVER_JSON when set.
 *
 * In `npm test` it runs in its short form: one round, short pauses, and the rolling restart
 * takes the two nodes the SIGKILL left alone (the killed one was just restarted). The long form,
 * by hand: every node in each rolling restart, the pauses of before, more rounds, e.g.
 *   E2E_FAILOVER_LONG=1 E2E_FAILOVER_ROUNDS=3 E2E_FAILOVER_PAUSE_MS=30000 E2E_FAILOVER_JSON=/tmp/failover.json \
 *     npx vitest run --project integration test/broker-failover.int.test.ts   (in e2e/)
 * QUARANTINED again (E2E_BROKER_FAILOVER=1 runs it): after the two fixes below it passed 4 runs
 * and failed 1 clean-clone run on 2026-12-08 (match-search-users: both partitions `lapsed`, nothing
 * processed, 879 of 902 writes unapplied) — a third stall not found yet. Earlier it
 * found two group-consumer stalls under broker failures (a drain waiting for ever on a produce
 * request to the killed broker; a member whose coordinator died fetching on unconfirmed for
 * minutes); see libs/goka's processor.ts (stopForLapse) and group-consumer.ts (rejoinIfStuck).
 */
const ENABLED = process.env.E2E_BROKER_FAILOVER === '1';
const LONG = process.env.E2E_FAILOVER_LONG === '1';
const ROUNDS = Number(process.env.E2E_FAILOVER_ROUNDS ?? 1);
/** Longer than the brokers' session timeout (9 s): the controller fences the paused node. */
const PAUSE_MS = Number(process.env.E2E_FAILOVER_PAUSE_MS ?? (LONG ? 12_000 : 10_000));
/** Steady load before each event, so that each one starts from a running platform. */
const STEADY_MS = Number(process.env.E2E_FAILOVER_STEADY_MS ?? (LONG ? 2_000 : 1_000));
/**
 * Which events run, in this order: `kill` (SIGKILL the busiest leader, then start it again),
 * `rolling` (restart the nodes one after the other), `stop` (SIGSTOP the busiest leader).
 * Default all; e.g. `E2E_FAILOVER_EVENTS=rolling` to reproduce one kind alone.
 */
const EVENTS = new Set(
  (process.env.E2E_FAILOVER_EVENTS ?? 'kill,rolling,stop').split(',').map((e) => e.trim()),
);
/** The quiet stretch measured before the first event: what "slow" means on this machine. */
const BASELINE_MS = Number(process.env.E2E_FAILOVER_BASELINE_MS ?? (LONG ? 10_000 : 3_000));
const TICK_MS = 100;
const SLOW_MS = 1_000;
const CATCH_UP_MS = 120_000;
const RECIPIENTS = 32;
const VISITORS = 16;

const run = `bf${Date.now().toString(36)}`;
const u = (name: string) => `${run}-${name}`;
const ADMIN = { admin: u('admin') };
const SERVICES = ['anti-spam', 'edge-set', 'match-search', 'recommender', 'segmentation'] as const;
type Name = (typeof SERVICES)[number];
const PROFILE = { age: 30, gender: 'female', seeking: ['female', 'male', 'diverse'], ageMin: 20, ageMax: 60 };
const ORIGIN = { lat: -45 + Math.random() * 90, lon: -170 + Math.random() * 340 };
const located = (i: number) => ({ lat: ORIGIN.lat + (i % 400) * 0.001, lon: ORIGIN.lon });
const VISITED = u('visited');

let cluster: RunningCluster;
let platform: UsedPlatform;
const report: string[] = [];
const figures: EventFigures[] = [];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const liveAddresses = (except?: ClusterNode) =>
  cluster.nodes.filter((n) => n !== except && n.running() && !n.paused()).map((n) => n.address);

async function busiestNode(): Promise<ClusterNode> {
  const id = busiestLeader(await partitionStates(cluster.brokers));
  const node = cluster.nodes.find((n) => n.nodeId === id) ?? cluster.nodes[0]!;
  return node;
}

/** Until no partition names `node` as its leader any more (the controller moved them). */
async function leadersMovedOff(node: ClusterNode, timeoutMs = 60_000): Promise<void> {
  await eventually(
    async () => {
      const states = await partitionStates(liveAddresses(node), 5_000);
      expect(states.filter((s) => s.leader === node.nodeId).length).toBe(0);
    },
    timeoutMs,
    250,
  );
}

describe.skipIf(!ENABLED)('three brokers: failover and rolling restart under load', () => {
  beforeAll(async () => {
    const begun = Date.now();
    cluster = await provideKafkaCluster({
      brokers: 3,
      log: (line) => console.log(`[broker-failover] ${line}`),
    });
    try {
      const clusterUp = Date.now();
      platform = await usePlatform(SERVICES, {
        // One instance each; inboxes big enough to hold every message of the run.
        // The short form runs 2 partitions a topic: every broker restart waits until each partition
        // is in sync again (60–78 s each at 4 on this machine), and npm test has a budget.
        env: { KAFKA_BROKERS: cluster.brokers.join(','), INBOX_SIZE: '1000', PARTITIONS: LONG ? '4' : '2' },
      });
      report.push(
        `cluster of 3 up in ${((clusterUp - begun) / 1000).toFixed(1)} s, platform ready ${((Date.now() - clusterUp) / 1000).toFixed(1)} s later`,
      );
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return async () => {
      await platform.close();
      await cluster.stop();
    };
  }, 600_000);

  afterAll(() => {
    if (figures.length > 0) report.push(figuresTable(figures, SLOW_MS));
    if (report.length > 0) console.log(`[broker-failover]\n${report.join('\n')}`);
    const json = process.env.E2E_FAILOVER_JSON;
    if (json)
      writeFileSync(
        json,
        `${JSON.stringify({ rounds: ROUNDS, pauseMs: PAUSE_MS, figures, report }, null, 2)}\n`,
      );
  });

  it('topics the services create have 3 replicas and min.insync.replicas 2', async () => {
    const states = await partitionStates(cluster.brokers);
    const topics = [...new Set(states.map((s) => s.topic))].filter((t) => !t.startsWith('__'));
    expect(topics.length).toBeGreaterThan(10);
    const factors = new Set(states.filter((s) => !s.topic.startsWith('__')).map((s) => s.replicas.length));
    expect([...factors]).toEqual([3]);
    const minIsr = await topicConfigValues(cluster.brokers, topics, 'min.insync.replicas');
    expect(new Set(minIsr.values())).toEqual(new Set(['2']));
    report.push(
      `${topics.length} service topics, ${states.length} partitions (internal included): 3 replicas, min.insync 2`,
    );
  });

  it('SIGKILL of the busiest leader, its restart, a rolling restart and a SIGSTOPped broker lose no acknowledged write', async () => {
    const api = (s: Name): ApiClient => platform.api(s, 0);
    const messages: { to: string; id: string }[] = [];
    const likes: { from: string; to: string }[] = [];
    const placed: string[] = [];
    const ownEvents = new Map<string, number>();
    const own = (user: string) => ownEvents.set(user, (ownEvents.get(user) ?? 0) + 1);
    /** Per visitor: acknowledged visits, and visits whose request got no clear answer. */
    const visits = new Map<string, { accepted: number; unclear: number }>();

    const load = new WriteLoad({
      tickMs: TICK_MS,
      maxInFlight: 64,
      steps: {
        'anti-spam': async (i, write) => {
          const x = u(`x${i}`);
          const to = u(`r${i % RECIPIENTS}`);
          const sent = await write('message', () =>
            api('anti-spam').post<{ id: string }>('/messages', x, { to, text: `hello ${i}` }),
          );
          if (sent.status === 202 && sent.body) {
            messages.push({ to, id: sent.body.id });
            own(x);
          }
        },
        'edge-set': async (i, write) => {
          const x = u(`x${i}`);
          const liked = u(`b${i}`);
          const like = await write('like', () =>
            api('edge-set').post('/interactions', x, { to: liked, type: 'like' }),
          );
          if (like.status === 202) {
            likes.push({ from: x, to: liked });
            own(x);
          }
          const visitor = u(`v${i % VISITORS}`);
          const tally = visits.get(visitor) ?? { accepted: 0, unclear: 0 };
          visits.set(visitor, tally);
          const visit = await write('visit', () =>
            api('edge-set').post('/interactions', visitor, { to: VISITED, type: 'visit' }),
          );
          if (visit.status === 202) tally.accepted++;
          else if (visit.status === 0 || visit.status >= 500) tally.unclear++;
        },
        'match-search': async (i, write) => {
          const x = u(`x${i}`);
          const profile = await write('profile', () =>
            api('match-search').request('PUT', `/users/${x}/profile`, { as: x, body: PROFILE }),
          );
          if (profile.status !== 202) return;
          own(x);
          const location = await write('location', () =>
            api('match-search').request('PUT', `/users/${x}/location`, { as: x, body: located(i) }),
          );
          if (location.status === 202) {
            own(x);
            placed.push(x);
          }
        },
        // Recommender and segmentation have no writes of their own that the others do not feed:
        // they take in the load above through Kafka. Reads keep their HTTP side busy.
        recommender: async (i, write) => {
          await write('read', async () => {
            const r = await api('recommender').get(`/users/${u(`x${i}`)}/recommendations?k=10`, u(`x${i}`));
            // 409: no profile yet; any answer below 500 is a served read.
            return { status: r.status < 500 ? 202 : r.status, body: r.body };
          });
        },
        segmentation: async (i, write) => {
          await write('read', async () => {
            const r = await api('segmentation').get(`/users/${u(`x${i}`)}/segment`, u(`x${i}`));
            return { status: r.status < 500 ? 202 : r.status, body: r.body };
          });
        },
      },
    });

    const events: BrokerEvent[] = [];
    const event = async (name: string, during: () => Promise<void>) => {
      await sleep(STEADY_MS);
      const startedAt = Date.now();
      await during();
      events.push({ name, startedAt, endedAt: Date.now() });
    };

    load.start();
    try {
      // The same figures without any broker event: what "slow" means on this machine.
      await event('no broker event (baseline)', () => sleep(BASELINE_MS));
      for (let round = 1; round <= ROUNDS; round++) {
        const tag = ROUNDS > 1 ? ` #${round}` : '';
        let killed: ClusterNode | undefined;
        if (EVENTS.has('kill')) {
          await event(`SIGKILL busiest leader${tag}`, async () => {
            killed = await busiestNode();
            report.push(`round ${round}: SIGKILL node ${killed.nodeId}`);
            await killed.kill();
            await leadersMovedOff(killed);
            await sleep(STEADY_MS);
          });
          await event(`restart killed node${tag}`, async () => {
            await killed!.start();
            await waitForInSync(cluster.brokers);
          });
        }
        // Short form: the killed node has just been restarted; the others complete the rolling restart.
        const rolling = LONG ? cluster.nodes : cluster.nodes.filter((n) => n !== killed);
        for (const node of EVENTS.has('rolling') ? rolling : []) {
          await event(`rolling restart node ${node.nodeId}${tag}`, async () => {
            report.push(
              `round ${round}: rolling restart of node ${node.nodeId} at ${new Date().toISOString()}`,
            );
            await node.stop({ graceMs: 30_000 });
            await node.start();
            await waitForInSync(cluster.brokers);
          });
        }
        if (EVENTS.has('stop'))
          await event(`SIGSTOP busiest leader ${PAUSE_MS / 1000} s${tag}`, async () => {
            const paused = await busiestNode();
            report.push(`round ${round}: SIGSTOP node ${paused.nodeId}`);
            paused.pause();
            try {
              await sleep(PAUSE_MS);
            } finally {
              paused.resume();
            }
            await waitForInSync(cluster.brokers);
          });
      }
      await sleep(STEADY_MS);
    } finally {
      await load.stop();
    }

    for (const e of events) for (const s of SERVICES) figures.push(eventFigures(load.records, s, e, SLOW_MS));
    // A broker event must not take a service down: a processor that gave up is a finding.
    const exited = await Promise.all(
      SERVICES.map(async (s) => {
        const p = platform.instances(s)[0]!.process;
        const gone = await Promise.race([
          p.exited.then((code) => `exited (${code})`),
          sleep(50).then(() => ''),
        ]);
        return gone ? `${s} ${gone}; its last output:\n${p.output().slice(-3000)}` : '';
      }),
    );
    for (const line of exited.filter(Boolean)) report.push(line);
    const skipped = [...load.skipped].map(([s, n]) => `${s} ${n}`).join(', ');
    report.push(
      `load: ${load.records.length} requests; ticks skipped (64 requests of a service in flight): ${skipped || 'none'}`,
    );
    for (const list of [messages, likes, placed]) expect(list.length).toBeGreaterThan(50);

    // Every acknowledged write is visible afterwards; each check is reported before asserting.
    const pending = {
      'anti-spam': new Set(messages.map((m) => m.id)),
      'edge-set': new Set([...likes.map((l) => `${l.from}>${l.to}`), ...visits.keys()]),
      'match-search': new Set(placed),
      recommender: new Set(likes.map((l) => l.from)),
      segmentation: new Set(ownEvents.keys()),
    } satisfies Record<Name, Set<string>>;
    const duplicates = { messages: 0 };
    /** The last answer a check got, for the report of what stayed invisible. */
    const scans = new Map<string, string>();
    const visitCounts = new Map<string, number>();
    const checks: Record<Name, () => Promise<void>> = {
      'anti-spam': async () => {
        duplicates.messages = 0;
        for (const to of new Set(messages.map((m) => m.to))) {
          const res = await api('anti-spam').get<{ messages: { id: string }[] }>(
            `/users/${to}/inbox?limit=1000`,
            ADMIN,
          );
          if (res.status !== 200) continue;
          const ids = res.body.messages.map((m) => m.id);
          duplicates.messages += ids.length - new Set(ids).size;
          for (const id of ids) pending['anti-spam'].delete(id);
        }
      },
      'edge-set': async () => {
        for (const { from, to } of likes) {
          if (!pending['edge-set'].has(`${from}>${to}`)) continue;
          const res = await api('edge-set').get<{ edges: { user: string }[] }>(
            `/users/${from}/edges?direction=out&type=like&limit=1000`,
            ADMIN,
          );
          if (res.status === 200)
            for (const e of res.body.edges) pending['edge-set'].delete(`${from}>${e.user}`);
        }
        for (const [visitor, tally] of visits) {
          const res = await api('edge-set').get<{ out: { type: string; count: number }[] }>(
            `/users/${visitor}/relation/${VISITED}`,
            ADMIN,
          );
          if (res.status !== 200) continue;
          const count = res.body.out.find((e) => e.type === 'visit')?.count ?? 0;
          visitCounts.set(visitor, count);
          if (count >= tally.accepted && count <= tally.accepted + tally.unclear)
            pending['edge-set'].delete(visitor);
        }
      },
      'match-search': async () => {
        let after: string | undefined;
        do {
          const res: {
            status: number;
            body: { items?: { key: string; value: { location?: unknown } }[]; next?: string | null };
          } = await api('match-search').get(
            `/admin/tables/match-search-users-table?from=${run}-x&to=${run}-x~&limit=500${after ? `&after=${encodeURIComponent(after)}` : ''}`,
            ADMIN,
          );
          scans.set('match-search', `table scan ${res.status}, ${res.body.items?.length ?? 0} items`);
          if (res.status !== 200) return;
          for (const item of res.body.items ?? [])
            if (item.value.location) pending['match-search'].delete(item.key);
          after = res.body.next ?? undefined;
        } while (after);
      },
      recommender: async () => {
        for (const user of [...pending.recommender]) {
          const res = await api('recommender').get<{ value: { given: number } | null }>(
            `/admin/tables/recommender-learner-table?key=${encodeURIComponent(user)}`,
            ADMIN,
          );
          if (res.status === 200 && (res.body.value?.given ?? 0) >= 1) pending.recommender.delete(user);
        }
      },
      segmentation: async () => {
        for (const user of [...pending.segmentation]) {
          const res = await api('segmentation').get<{ events: number }>(`/users/${user}/segment`, ADMIN);
          if (res.status === 200 && res.body.events >= (ownEvents.get(user) ?? 0))
            pending.segmentation.delete(user);
        }
      },
    };
    const verifyFrom = Date.now();
    const visibleAfter = new Map<Name, number>();
    await eventually(
      async () => {
        await Promise.all(
          SERVICES.map(async (s) => {
            if (pending[s].size > 0) await checks[s]();
            if (pending[s].size === 0 && !visibleAfter.has(s)) visibleAfter.set(s, Date.now() - verifyFrom);
          }),
        );
        expect(SERVICES.filter((s) => pending[s].size > 0)).toEqual([]);
      },
      CATCH_UP_MS,
      1_000,
    ).catch(() => undefined);

    const acknowledged: Record<Name, string> = {
      'anti-spam': `${messages.length} messages (duplicates in inboxes: ${duplicates.messages})`,
      'edge-set': `${likes.length} likes, ${[...visits.values()].reduce((a, t) => a + t.accepted, 0)} visits (unclear: ${[...visits.values()].reduce((a, t) => a + t.unclear, 0)})`,
      'match-search': `${placed.length} profile+location pairs`,
      recommender: `${likes.length} likes to learn`,
      segmentation: `${ownEvents.size} users' own events (${[...ownEvents.values()].reduce((a, b) => a + b, 0)})`,
    };
    // A service whose writes stayed invisible: where its groups stand (state, positions, lag).
    for (const s of SERVICES.filter((name) => pending[name].size > 0)) {
      const groups = await api(s)
        .get<unknown>('/admin/groups', ADMIN)
        .catch((e: Error) => ({ status: 0, body: e.message }));
      report.push(`${s} /admin/groups (${groups.status}): ${JSON.stringify(groups.body).slice(0, 6000)}`);
    }
    for (const s of SERVICES) {
      const after = visibleAfter.get(s);
      report.push(
        `${s}: acknowledged ${acknowledged[s]}; ${after !== undefined ? `all visible ${after} ms after the load stopped` : `${pending[s].size} NOT visible ${CATCH_UP_MS / 1000} s later, e.g. ${[...pending[s]].slice(0, 3).join(' ')} ${scans.get(s) ?? ''}`}`,
      );
    }
    const wrongVisits = [...visits].filter(([v, t]) => {
      const count = visitCounts.get(v) ?? -1;
      return count < t.accepted || count > t.accepted + t.unclear;
    });
    report.push(
      `edge-set visit counts (exactly once): ${visits.size - wrongVisits.length} of ${visits.size} visitors within [acknowledged, acknowledged + unclear]${wrongVisits.length ? `; off: ${wrongVisits.map(([v, t]) => `${v} ${visitCounts.get(v)} vs ${t.accepted}+${t.unclear}`).join(', ')}` : ''}`,
    );
    for (const s of SERVICES)
      expect([...pending[s]].slice(0, 10), `${s}: acknowledged writes not visible`).toEqual([]);
    expect(exited.filter(Boolean), 'services that exited during the broker events').toEqual([]);
  }, 1_800_000);
});
