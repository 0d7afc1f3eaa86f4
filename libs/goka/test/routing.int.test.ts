import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  defineGroup,
  Emitter,
  type GroupHosts,
  type Guarantee,
  input,
  json,
  levelStorage,
  NotLocal,
  Processor,
  partitionFor,
  persist,
  string,
} from '../src/index.ts';
import { endpointOf, Instance } from './support/instances.ts';
import { eventually, testBrokers, testCluster, testLogger, unique } from './support/kafka.ts';

/**
 * Issue 25, part 1 on a real broker: members publish their endpoint, every member learns the
 * same map partition → endpoint after each rebalance (graceful leave, SIGKILL), and local reads
 * answer owned keys and refuse the others — at-least-once and exactly-once.
 */
const PARTITIONS = 6;
const KEYS = Array.from({ length: 40 }, (_, i) => `user-${i}`);

const cluster = testCluster();
const dir = mkdtempSync(join(tmpdir(), 'goka-routing-'));
const stops: (() => Promise<unknown>)[] = [];
const instances: Instance[] = [];

afterAll(async () => {
  await Promise.allSettled(instances.map((i) => i.kill()));
  await Promise.allSettled(stops.map((s) => s()));
  await cluster.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Who owns each partition according to the members' own `owned` lists. */
function ownersOf(members: { endpoint: string; owned: readonly number[] }[]): (string | undefined)[] {
  const owners: (string | undefined)[] = new Array(PARTITIONS).fill(undefined);
  for (const m of members) for (const p of m.owned) owners[p] = m.endpoint;
  return owners;
}

const actives = (hosts: GroupHosts | null | undefined) => hosts?.map((h) => h.active);

describe.each<Guarantee>(['at-least-once', 'exactly-once'])('routed reads (%s)', (guarantee) => {
  test('in-process members: owner() and get() agree with the assignment, also after a leave', async () => {
    const topic = unique('routing-clicks');
    const group = unique('routing-counter');
    await cluster.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
    const counter = defineGroup(
      group,
      persist(json<number>()),
      input(topic, string(), (ctx) => {
        ctx.setValue((ctx.value() ?? 0) + 1);
      }),
    );
    const member = (name: string) => {
      const p = new Processor(counter, {
        cluster,
        storage: levelStorage({ path: join(dir, `${group}-${name}`) }),
        logger: testLogger(),
        guarantee,
        endpoint: endpointOf(name),
      });
      stops.push(() => p.stop());
      return p;
    };
    const a = member('a');
    const b = member('b');
    await Promise.all([a.start(), b.start()]);
    const emitter = new Emitter({ cluster, topic, codec: string() });
    stops.push(() => emitter.close());
    await Promise.all(KEYS.map((k) => emitter.emit(k, 'click')));

    const expected = () =>
      ownersOf([
        { endpoint: endpointOf('a'), owned: a.partitions },
        { endpoint: endpointOf('b'), owned: b.partitions },
      ]);
    await eventually(
      () =>
        a.partitions.length + b.partitions.length === PARTITIONS &&
        JSON.stringify(actives(a.hosts())) === JSON.stringify(expected()) &&
        JSON.stringify(actives(b.hosts())) === JSON.stringify(expected()),
      { what: 'both members knowing the same map as the assignment', timeoutMs: 30_000 },
    );
    expect(a.hosts()).toEqual(b.hosts());

    await eventually(
      async () => {
        for (const key of KEYS) {
          const local = [a, b].find((m) => m.owner(key).kind === 'local');
          if (!local || (await local.get(key)) !== 1) return false;
        }
        return true;
      },
      { what: 'every key readable from its owner', timeoutMs: 30_000 },
    );
    for (const key of KEYS) {
      const partition = partitionFor(key, PARTITIONS);
      const [mine, theirs, endpoint] = a.partitions.includes(partition)
        ? [a, b, endpointOf('a')]
        : [b, a, endpointOf('b')];
      expect(mine.owner(key)).toEqual({ kind: 'local', partition });
      expect(theirs.owner(key)).toEqual({ kind: 'remote', partition, endpoint, standbys: [] });
      await expect(theirs.get(key)).rejects.toBeInstanceOf(NotLocal);
    }

    await a.stop();
    await eventually(
      () =>
        b.partitions.length === PARTITIONS &&
        JSON.stringify(actives(b.hosts())) === JSON.stringify(new Array(PARTITIONS).fill(endpointOf('b'))) &&
        KEYS.every((k) => b.owner(k).kind === 'local'),
      { what: 'b owning and knowing it owns everything', timeoutMs: 30_000 },
    );
    for (const key of KEYS) expect(await b.get(key)).toBe(1);
  });

  test('member processes: every map agrees; a leave and a SIGKILL move the owners', async () => {
    const topic = unique('routing-events');
    const group = unique('routing-tally');
    await cluster.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
    const config = { brokers: testBrokers(), group, topic, dir: join(dir, group), guarantee, routed: true };
    const members = ['a', 'b', 'c'].map((name) => new Instance(name, config));
    instances.push(...members);
    for (const m of members) m.start();
    await Promise.all(members.map((m) => m.whenRunning()));

    /** Every running member's map equals the owners by their own stats, and covers every partition. */
    const agreed = (running: Instance[]) => {
      const stats = running.map((m) => m.stats());
      if (stats.some((s) => s?.state !== 'running' || !s.hosts)) return false;
      const owners = ownersOf(
        stats.map((s, i) => ({ endpoint: endpointOf(running[i]!.name), owned: s!.owned })),
      );
      if (owners.some((o) => o === undefined)) return false;
      return stats.every((s) => JSON.stringify(actives(s!.hosts)) === JSON.stringify(owners));
    };
    const [a, b, c] = members as [Instance, Instance, Instance];
    await eventually(() => agreed([a, b, c]), { what: 'three members agreeing', timeoutMs: 60_000 });
    expect(new Set(actives(a.stats()!.hosts))).toEqual(new Set(['a', 'b', 'c'].map(endpointOf)));

    expect(await c.stop()).toBe(true);
    await eventually(() => agreed([a, b]), { what: 'a and b agreeing after c left', timeoutMs: 60_000 });
    expect(new Set(actives(a.stats()!.hosts))).toEqual(new Set(['a', 'b'].map(endpointOf)));

    // A SIGKILLed member's partitions move once the broker notices (session timeout, 6 s).
    await b.kill();
    await eventually(() => agreed([a]), { what: 'a alone after b was killed', timeoutMs: 90_000 });
    expect(actives(a.stats()!.hosts)).toEqual(new Array(PARTITIONS).fill(endpointOf('a')));
  });
});
