import { afterEach, describe, expect, it } from 'vitest';
import { decodeGroupHosts, encodeGroupHosts, groupHosts } from '../src/cluster/group-hosts.ts';
import {
  defineGroup,
  Emitter,
  type Guarantee,
  input,
  json,
  memoryCluster,
  memoryStorage,
  NotLocal,
  Processor,
  partitionFor,
  persist,
  string,
} from '../src/index.ts';
import { until } from './support/gated-cluster.ts';
import { testLogger } from './support/kafka.ts';

const PARTITIONS = 4;
const KEYS = Array.from({ length: 24 }, (_, i) => `user-${i}`);
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.allSettled(stops.splice(0).map((s) => s()));
});

const counter = () =>
  defineGroup(
    'counter',
    persist(json<number>()),
    input('clicks', string(), (ctx) => {
      ctx.setValue((ctx.value() ?? 0) + 1);
    }),
  );

async function setup(guarantee: Guarantee = 'at-least-once') {
  const cluster = memoryCluster({ partitions: PARTITIONS });
  cluster.createTopic({ name: 'clicks', partitions: PARTITIONS });
  const emitter = new Emitter({ cluster, topic: 'clicks', codec: string() });
  stops.push(() => emitter.close());
  const member = (endpoint?: string) => {
    const p = new Processor(counter(), {
      cluster,
      storage: memoryStorage(),
      logger: testLogger(),
      guarantee,
      ...(endpoint ? { endpoint } : {}),
    });
    stops.push(() => p.stop());
    return p;
  };
  return { cluster, emitter, member };
}

/** The value of `key` from whichever member owns it, or a NotLocal error. */
async function readAnywhere(members: Processor<number>[], key: string) {
  for (const m of members) if (m.owner(key).kind === 'local') return m.get(key);
  throw new Error(`nobody owns ${key}`);
}

describe('routed reads on the memory cluster', () => {
  it('owner() agrees on both members, get() answers local keys and refuses the others', async () => {
    const { emitter, member } = await setup();
    const a = member('http://a.test:1');
    const b = member();
    b.endpoint = 'http://b.test:2'; // set after construction, before start (a port known after listen)
    await a.start();
    await b.start();
    await until(() => a.hosts() !== undefined && b.hosts() !== undefined, 'the host maps');
    expect(a.hosts()).toEqual(b.hosts());
    expect(new Set(a.hosts()!.map((h) => h.active))).toEqual(new Set(['http://a.test:1', 'http://b.test:2']));

    for (const key of KEYS) await emitter.emit(key, 'click');
    await emitter.emit('user-0', 'click');
    await until(async () => (await readAnywhere([a, b], 'user-0')) === 2, 'user-0 counted twice');
    for (const key of KEYS) {
      const partition = partitionFor(key, PARTITIONS);
      const [mine, theirs, theirEndpoint] = a.partitions.includes(partition)
        ? [a, b, 'http://a.test:1']
        : [b, a, 'http://b.test:2'];
      expect(mine.owner(key)).toEqual({ kind: 'local', partition });
      expect(theirs.owner(key)).toEqual({ kind: 'remote', partition, endpoint: theirEndpoint, standbys: [] });
      await until(async () => (await mine.get(key)) !== undefined, `${key} applied`);
      expect(await mine.get(key)).toBe(key === 'user-0' ? 2 : 1);
      const refused = await theirs.get(key).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(NotLocal);
      expect((refused as NotLocal).owner).toEqual({
        kind: 'remote',
        partition,
        endpoint: theirEndpoint,
        standbys: [],
      });
    }
    expect(await readAnywhere([a, b], 'never-written')).toBeUndefined();
  });

  it('after a member stops its partitions move and owner() follows', async () => {
    const { emitter, member } = await setup();
    const a = member('http://a.test:1');
    const b = member('http://b.test:2');
    await a.start();
    await b.start();
    for (const key of KEYS) await emitter.emit(key, 'click');
    await until(async () => {
      for (const key of KEYS) if ((await readAnywhere([a, b], key)) !== 1) return false;
      return true;
    }, 'every key applied');
    await b.stop();
    expect(b.owner(KEYS[0]!).kind).toBe('unavailable');
    await until(() => a.partitions.length === PARTITIONS, 'a owning everything');
    await until(() => KEYS.every((k) => a.owner(k).kind === 'local'), 'a recovered everything');
    expect(a.hosts()?.map((h) => h.active)).toEqual(new Array(PARTITIONS).fill('http://a.test:1'));
    // The moved partitions were recovered from the changelog: every count is there.
    for (const key of KEYS) expect(await a.get(key)).toBe(1);
  });

  it('iterate() lists the local share in key order; both shares together are the table', async () => {
    const { emitter, member } = await setup();
    const a = member('http://a.test:1');
    const b = member('http://b.test:2');
    await a.start();
    await b.start();
    for (const key of KEYS) await emitter.emit(key, 'click');
    const share = async (m: Processor<number>, range?: { gte?: string; limit?: number }) => {
      const rows: [string, number][] = [];
      for await (const row of m.iterate(range)) rows.push(row);
      return rows;
    };
    await until(async () => (await share(a)).length + (await share(b)).length === KEYS.length, 'all rows');
    const rowsA = await share(a);
    expect(rowsA.map(([k]) => k)).toEqual(
      KEYS.filter((k) => a.partitions.includes(partitionFor(k, PARTITIONS))).sort(),
    );
    expect(rowsA.every(([, v]) => v === 1)).toBe(true);
    const all = [...rowsA, ...(await share(b))].map(([k]) => k).sort();
    expect(all).toEqual([...KEYS].sort());
    expect((await share(a, { gte: 'user-2', limit: 2 })).map(([k]) => k)).toEqual(
      rowsA
        .map(([k]) => k)
        .filter((k) => k >= 'user-2')
        .slice(0, 2),
    );
  });

  it('exactly-once: local reads see committed rows', async () => {
    const { emitter, member } = await setup('exactly-once');
    const a = member('http://a.test:1');
    await a.start();
    for (const key of KEYS) await emitter.emit(key, 'click');
    await until(async () => {
      for (const key of KEYS) if ((await a.get(key)) !== 1) return false;
      return true;
    }, 'every key committed');
  });

  it('unavailable before start, and for a group without endpoints on the other side', async () => {
    const { member } = await setup();
    const a = member('http://a.test:1');
    expect(a.owner('x')).toEqual({ kind: 'unavailable', partition: undefined, reason: 'not started' });
    const b = member(); // publishes no endpoint
    await a.start();
    await b.start();
    const remote = KEYS.find((k) => !a.partitions.includes(partitionFor(k, PARTITIONS)))!;
    expect(a.owner(remote)).toMatchObject({ kind: 'unavailable', reason: 'the owner publishes no endpoint' });
  });
});

describe('group host map', () => {
  it('names the active member per partition and the standby members of the others', () => {
    const assignment = new Map([
      ['m1', [0, 2]],
      ['m2', [1, 3]],
      ['m3', []],
    ]);
    const members = new Map([
      ['m1', { endpoint: 'http://1', standby: true }],
      ['m2', { endpoint: 'http://2' }],
      ['m3', { endpoint: 'http://3', standby: true }],
    ]);
    const hosts = groupHosts(assignment, members, 4);
    expect(hosts).toEqual([
      { active: 'http://1', standbys: ['http://3'] },
      { active: 'http://2', standbys: ['http://1', 'http://3'] },
      { active: 'http://1', standbys: ['http://3'] },
      { active: 'http://2', standbys: ['http://1', 'http://3'] },
    ]);
    expect(decodeGroupHosts(encodeGroupHosts(hosts))).toEqual(hosts);
    expect(decodeGroupHosts(Buffer.from('not json'))).toBeUndefined();
    expect(decodeGroupHosts(Buffer.alloc(0))).toBeUndefined();
  });
});
