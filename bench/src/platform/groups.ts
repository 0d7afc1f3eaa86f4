/**
 * Every consumer group of the platform, read the way the console reads it: each service's
 * `GET /admin/groups` (admin token). The scenario samples them before a phase and then polls them
 * after the last write until every group is idle, which gives the drain time (how long the
 * slowest downstream group needed after the last write) and the records processed across the
 * platform during the phase.
 */
import { epochMs } from '../stats.ts';

interface PositionJson {
  readonly topic: string;
  readonly lag: number;
}
interface GroupJson {
  readonly group: string;
  readonly state: string;
  readonly processed: number;
  readonly lag: number;
  readonly error: string | null;
  readonly partitions: readonly { readonly positions: readonly PositionJson[] }[];
}

/** One poll of a service's /admin/groups; a service under full load may take seconds. */
const POLL_TIMEOUT_MS = 20_000;

export interface GroupReading {
  /** `service/group`. */
  readonly id: string;
  readonly processed: number;
  readonly lag: number;
  /** The largest lag of any one input position (topic partition). */
  readonly maxPositionLag: number;
}

export interface Endpoint {
  readonly service: string;
  readonly url: string;
}

/** A request that timed out is asked again, twice: a service under full load answers late. */
async function fetchPatiently(url: string, token: string): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(POLL_TIMEOUT_MS),
      });
    } catch (error) {
      if (attempt >= 3 || !(error instanceof Error && error.name === 'TimeoutError')) throw error;
    }
  }
}

export async function readGroups(
  endpoints: readonly Endpoint[],
  token: string,
): Promise<Map<string, GroupReading>> {
  const all = await Promise.all(
    endpoints.map(async ({ service, url }) => {
      const res = await fetchPatiently(`${url}/admin/groups`, token);
      if (!res.ok) throw new Error(`${service} /admin/groups: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { groups: GroupJson[] };
      return body.groups.map((g): GroupReading => {
        if (g.error) throw new Error(`${service}/${g.group} failed: ${g.error}`);
        const lags = g.partitions.flatMap((p) => p.positions.map((pos) => pos.lag));
        return {
          id: `${service}/${g.group}`,
          processed: g.processed,
          lag: g.lag,
          maxPositionLag: lags.length > 0 ? Math.max(...lags) : 0,
        };
      });
    }),
  );
  return new Map(all.flat().map((r) => [r.id, r]));
}

export interface Drained {
  /** Per group that processed anything since `before`: ms from the last write to its last step. */
  readonly perGroup: Map<string, number>;
  /** The slowest of them (0 when no group moved). */
  readonly drainMs: number;
  /** Records processed by every group of the platform since `before`. */
  readonly processed: number;
  /** Lag left when idle, summed over the groups (commit markers of transactional inputs count). */
  readonly idleLag: number;
  /** epochMs() when the last group was seen idle for good. */
  readonly idleAt: number;
}

/**
 * Polls until every group is idle: neither its `processed` nor its lag has changed for `holdMs`,
 * and no input position is more than `markerAllowance` records behind. The allowance is there
 * because /admin/groups counts the commit markers at the end of a transactional input as lag
 * until that is fixed (issue 29): one per transactional producer writing the partition, and an
 * exactly-once group has one producer per input partition, so up to `partitions` markers. A real
 * backlog left alone for `holdMs` with nothing moving would be a stall, which the timeout then
 * reports. A group's drain time is taken at the first poll that saw its final count.
 * `lastWriteAt` is an epochMs() time.
 */
export async function waitDrained(
  endpoints: readonly Endpoint[],
  token: string,
  before: ReadonlyMap<string, GroupReading>,
  lastWriteAt: number,
  o: {
    holdMs: number;
    timeoutMs: number;
    pollMs: number;
    markerAllowance: number;
    log?: (line: string) => void;
  },
): Promise<Drained> {
  const deadline = epochMs() + o.timeoutMs;
  const seen = new Map<string, { processed: number; lag: number; at: number; changed: number }>();
  let lastLog = epochMs();
  for (;;) {
    const at = epochMs();
    let now: Map<string, GroupReading>;
    try {
      now = await readGroups(endpoints, token);
    } catch (error) {
      // A service too busy to answer within the request timeout is no failure yet: ask again
      // (the deadline still holds). A group's own error is one.
      if (!(error instanceof Error && error.name === 'TimeoutError') || epochMs() > deadline) throw error;
      o.log?.(`/admin/groups did not answer in time; asking again`);
      continue;
    }
    let idle = true;
    for (const [id, r] of now) {
      const last = seen.get(id);
      // `at`: when processed last changed (the drain time); `changed`: when anything did.
      if (!last) seen.set(id, { processed: r.processed, lag: r.lag, at, changed: at });
      else if (last.processed !== r.processed)
        seen.set(id, { processed: r.processed, lag: r.lag, at, changed: at });
      else if (last.lag !== r.lag) seen.set(id, { ...last, lag: r.lag, changed: at });
      const still = at - (seen.get(id)?.changed ?? at) >= o.holdMs;
      if (!still || r.maxPositionLag > o.markerAllowance) idle = false;
    }
    if (idle) {
      const perGroup = new Map<string, number>();
      let processed = 0;
      let idleLag = 0;
      for (const [id, r] of now) {
        const delta = r.processed - (before.get(id)?.processed ?? 0);
        idleLag += r.lag;
        if (delta <= 0) continue;
        processed += delta;
        perGroup.set(id, Math.max(0, seen.get(id)!.at - lastWriteAt));
      }
      return { perGroup, drainMs: Math.max(0, ...perGroup.values()), processed, idleLag, idleAt: at };
    }
    if (at > deadline) {
      const busy = [...now.values()]
        .filter((r) => r.maxPositionLag > o.markerAllowance)
        .map((r) => `${r.id} lag ${r.lag}`)
        .join(', ');
      throw new Error(`groups not idle after ${o.timeoutMs / 1000} s: ${busy || 'still processing'}`);
    }
    if (o.log && at - lastLog > 5_000) {
      lastLog = at;
      const lag = [...now.values()].reduce((n, r) => n + r.lag, 0);
      o.log(`draining: ${lag} records behind across ${now.size} groups`);
    }
    await new Promise((r) => setTimeout(r, o.pollMs));
  }
}
