/**
 * Checks of edge-set's per-pair reads (`GET /users/:a/relation/:b`, one get of the pairs table)
 * across several instances: which answer is correct for a pair whose only interaction is one
 * accepted like a→b, a sample of such pairs covering every partition of the pairs table, and a
 * tally of the answers seen while an owner is killed (correct, 503 + Retry-After, or wrong).
 *
 * With routed reads an instance answers a pair from its own partition of the pairs group or
 * forwards the request to the partition's owner; without them it reads its full view. Either way
 * the answer must be the same from every instance, and while no owner is known a 503 with a
 * Retry-After header is the only acceptable other answer.
 */
import { pairKey } from '@showcase/contracts';
import { partitionFor } from '@showcase/goka';
import type { ApiClient } from '@showcase/service-kit/testing';

/** What a relation read answered; `status` 0 when the request failed (refused, reset, timeout). */
export interface RelationReply {
  readonly status: number;
  readonly retryAfter: string | null;
  /** `x-routed-to`: the owner's endpoint when the instance asked forwarded the read there. */
  readonly servedBy: string | null;
  readonly body: unknown;
}

interface Edge {
  readonly user: string;
  readonly type: string;
  readonly count: number;
}

/** The relation a→b read as `as` (the actor: self), through one instance, never throwing. */
export async function readRelation(
  api: ApiClient,
  a: string,
  b: string,
  timeoutMs = 10_000,
): Promise<RelationReply> {
  try {
    const res = await fetch(
      `${api.baseUrl}/users/${encodeURIComponent(a)}/relation/${encodeURIComponent(b)}`,
      {
        headers: { authorization: `Bearer ${api.token(a)}` },
        signal: AbortSignal.timeout(timeoutMs),
      },
    );
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // a proxy's or a crash's plain text stays a string: a wrong body
    }
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      servedBy: res.headers.get('x-routed-to'),
      body,
    };
  } catch {
    return { status: 0, retryAfter: null, servedBy: null, body: undefined };
  }
}

/** A 200 whose body is exactly "a liked b once, nothing back, no match". */
export function isSingleLike(reply: RelationReply, b: string): boolean {
  if (reply.status !== 200 || typeof reply.body !== 'object' || reply.body === null) return false;
  const body = reply.body as { out?: Edge[]; in?: Edge[]; match?: boolean; since?: string };
  const out = body.out ?? [];
  return (
    out.length === 1 &&
    out[0]!.user === b &&
    out[0]!.type === 'like' &&
    out[0]!.count === 1 &&
    Array.isArray(body.in) &&
    body.in.length === 0 &&
    body.match === false &&
    body.since === undefined
  );
}

/** 503 with a Retry-After header: "no owner known right now, ask again". */
export const isRetryLater = (reply: RelationReply) => reply.status === 503 && reply.retryAfter !== null;

export interface Pair {
  readonly from: string;
  readonly to: string;
  /** The pairs table's partition of row from|to (murmur2, as the emitters choose). */
  readonly partition: number;
}

/**
 * `perPartition` pairs (from, to) for each of the pairs table's `partitions`, with ids made from
 * `name(i)`: the sample spreads over every partition, so every owner (and, after a kill, every
 * moved partition) is asked.
 */
export function pairsOverPartitions(
  partitions: number,
  perPartition: number,
  name: (i: number) => { from: string; to: string },
): Pair[] {
  const byPartition = new Map<number, Pair[]>();
  for (
    let i = 0;
    [...byPartition.values()].reduce((n, l) => n + l.length, 0) < partitions * perPartition;
    i++
  ) {
    if (i > 10_000 * partitions) throw new Error('could not spread pairs over every partition');
    const { from, to } = name(i);
    const partition = partitionFor(pairKey(from, to), partitions);
    const list = byPartition.get(partition) ?? [];
    if (list.length < perPartition) list.push({ from, to, partition });
    byPartition.set(partition, list);
  }
  return [...byPartition.values()].flat();
}

/** Answers seen during a failover: correct, 503 + Retry-After, anything else (with examples). */
export class RelationTally {
  correct = 0;
  retryLater = 0;
  readonly wrong: string[] = [];

  add(pair: { from: string; to: string }, via: string, reply: RelationReply): void {
    if (isSingleLike(reply, pair.to)) this.correct++;
    else if (isRetryLater(reply)) this.retryLater++;
    else
      this.wrong.push(
        `${via} ${pair.from}/${pair.to}: ${reply.status} ${JSON.stringify(reply.body)?.slice(0, 200)}`,
      );
  }

  toString(): string {
    return `${this.correct} correct, ${this.retryLater} 503 with Retry-After, ${this.wrong.length} other`;
  }
}

/** A routed group as one instance sees it on `GET /admin/groups`: its endpoint and the owner map. */
export interface OwnerMap {
  /** The endpoint this instance publishes (null: the group's reads are not routed). */
  readonly endpoint: string | null;
  /** Active owner per partition, by partition (null: none known); null while no map is known. */
  readonly active: readonly (string | null)[] | null;
}

interface GroupsReply {
  readonly groups: readonly {
    readonly group: string;
    readonly endpoint?: string | null;
    readonly owners?: readonly { partition: number; active: string | null }[] | null;
  }[];
}

export async function ownerMap(api: ApiClient, group: string, admin: { admin: string }): Promise<OwnerMap> {
  const res = await api.get<GroupsReply>('/admin/groups', admin);
  if (res.status !== 200) throw new Error(`/admin/groups answered ${res.status}`);
  const g = res.body.groups.find((x) => x.group === group);
  if (!g) throw new Error(`no group ${group} at ${api.baseUrl}`);
  const owners = g.owners ?? null;
  return {
    endpoint: g.endpoint ?? null,
    active: owners ? [...owners].sort((a, b) => a.partition - b.partition).map((o) => o.active) : null,
  };
}
