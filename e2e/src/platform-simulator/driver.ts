import { type Interaction, pairKey } from '@showcase/contracts';
import { Http, sleep } from '@showcase/simkit';
import { applyUserUpdate, emptyWorld, type World } from './oracles.ts';
import type { EventStream, PlatformEvent } from './population.ts';
import { progressBar } from './progress.ts';

/**
 * Replays a population's event stream over HTTP: at most `rate` events a second, at most
 * `concurrency` requests in flight, one user's events strictly in order (a chain per actor, so
 * the services see each user's events in the order the ledger records them), until `seconds`
 * passed or `rounds` rounds were sent. What the services accepted (202) goes to the ledger: the
 * ground truth every quality figure is computed against.
 */
export interface Ledger {
  /** Accepted interactions, `at` = the order they were sent in (edge-set's batch fold). */
  readonly interactions: Interaction[];
  /** Profiles, locations, presence as accepted (match-search's brute force). */
  readonly world: World;
  /** Accepted POST /messages per sender (anti-spam's counters must reach them). */
  readonly messagesSent: Map<string, number>;
  /** Accepted own events per user (segmentation counts them). */
  readonly ownEvents: Map<string, number>;
  /** `${from}>${to}` of accepted likes, passes and blocks. */
  readonly decided: Set<string>;
  /** Requests the services refused or that failed, per service. */
  readonly failed: Map<string, number>;
  /** The same per `service route: status or error` (what to look at when one fails). */
  readonly failures: Map<string, number>;
  accepted: number;
  /** Reads answered 200 (not events: nobody's ground truth changes). */
  reads: number;
  rounds: number;
  seconds: number;
}

export interface DriveOptions {
  readonly rate: number;
  readonly seconds: number;
  readonly rounds: number;
  readonly concurrency: number;
}

export async function drive(
  stream: EventStream,
  urls: Readonly<Record<string, string>>,
  secret: string,
  o: DriveOptions,
): Promise<Ledger> {
  const http = new Map(Object.entries(urls).map(([s, url]) => [s, new Http(url.replace(/\/$/, ''), secret)]));
  const ledger: Ledger = {
    interactions: [],
    world: emptyWorld(),
    messagesSent: new Map(),
    ownEvents: new Map(),
    decided: new Set(),
    failed: new Map(),
    failures: new Map(),
    accepted: 0,
    reads: 0,
    rounds: 0,
    seconds: 0,
  };
  const bump = (m: Map<string, number>, key: string) => m.set(key, (m.get(key) ?? 0) + 1);
  let sequence = 0;

  const send = async (e: PlatformEvent): Promise<void> => {
    const client = http.get(e.service)!;
    try {
      if ('read' in e) {
        const r = await client.call('GET', e.read, e.actor);
        if (r.status !== 200) throw new Error(String(r.status));
        ledger.reads++;
        return;
      }
      if (e.service === 'anti-spam') {
        const r = await client.call('POST', '/messages', e.actor, { to: e.to, text: e.text });
        if (r.status !== 202) throw new Error(String(r.status));
        bump(ledger.messagesSent, e.actor);
        stream.delivered(e);
      } else if (e.service === 'edge-set') {
        const at = ++sequence;
        const r = await client.call<{ id: string }>('POST', '/interactions', e.actor, {
          to: e.to,
          type: e.type,
        });
        if (r.status !== 202) throw new Error(String(r.status));
        ledger.interactions.push({ id: r.body.id, from: e.actor, to: e.to, type: e.type, at });
        if (e.type === 'like' || e.type === 'pass' || e.type === 'block')
          ledger.decided.add(`${e.actor}>${e.to}`);
        if (e.type === 'block') {
          ledger.world.blockPairs.add(pairKey(e.actor, e.to));
          ledger.world.blockPairs.add(pairKey(e.to, e.actor));
        }
      } else {
        const u = e.update;
        const body =
          u.type === 'profile' ? u.profile : u.type === 'location' ? u.location : { online: u.online };
        const r = await client.call('PUT', `/users/${encodeURIComponent(e.actor)}/${u.type}`, e.actor, body);
        if (r.status !== 202) throw new Error(String(r.status));
        const at = Date.now();
        ledger.world.users.set(
          e.actor,
          applyUserUpdate(ledger.world.users.get(e.actor), e.actor, { id: `${at}`, user: e.actor, at, ...u }),
        );
      }
      bump(ledger.ownEvents, e.actor);
      ledger.accepted++;
    } catch (error) {
      bump(ledger.failed, e.service);
      const route = 'read' in e ? 'GET' : e.service === 'match-search' ? `PUT ${e.update.type}` : 'POST';
      bump(ledger.failures, `${e.service} ${route}: ${failureReason(error)}`);
    }
  };

  const chains = new Map<string, Promise<void>>();
  let inFlight = 0;
  let queue = stream.join();
  let next = 0;
  let offered = 0;
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const bar = progressBar(
    () => Math.max(elapsed() / o.seconds, stream.rounds / o.rounds),
    () =>
      `${elapsed().toFixed(0)}/${o.seconds} s  round ${stream.rounds}${o.rounds < 1_000_000 ? `/${o.rounds}` : ''}  ${ledger.accepted} events accepted ` +
      `(${(ledger.accepted / Math.max(elapsed(), 1e-3)).toFixed(0)}/s)  ${[...ledger.failed.values()].reduce((a, b) => a + b, 0)} failed`,
  );
  try {
    for (;;) {
      if (next >= queue.length) {
        if (stream.rounds >= o.rounds) break;
        queue = stream.round();
        next = 0;
        continue;
      }
      if (elapsed() >= o.seconds) break;
      const due = started + (offered * 1000) / o.rate;
      const wait = due - performance.now();
      if (wait > 2) await sleep(wait);
      while (inFlight >= o.concurrency) await sleep(1);
      const e = queue[next++]!;
      offered++;
      inFlight++;
      const chained = (chains.get(e.actor) ?? Promise.resolve())
        .then(() => send(e))
        .finally(() => {
          inFlight--;
        });
      chains.set(e.actor, chained);
    }
    await Promise.all(chains.values());
  } finally {
    bar.stop();
  }
  ledger.rounds = stream.rounds;
  ledger.seconds = elapsed();
  return ledger;
}

/** A status the driver threw for, or the error's name (TimeoutError, TypeError of fetch…) and message. */
function failureReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (/^\d{3}$/.test(error.message)) return `HTTP ${error.message}`;
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.name}: ${error.message}${cause}`;
}
