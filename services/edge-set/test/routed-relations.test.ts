import { pairKey } from '@showcase/contracts';
import { memoryCluster, partitionFor } from '@showcase/goka';
import { SERVED_BY_HEADER } from '@showcase/service-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { createEdgeSet, type EdgeSet } from '../src/service.ts';
import { auth, SECRET } from './support.ts';

const PARTITIONS = 3;
const running: EdgeSet[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.service.stop()));
});

/** One edge-set instance on a shared memory cluster, listening on a port of its own. */
async function instance(cluster: ReturnType<typeof memoryCluster>): Promise<EdgeSet> {
  const built = await createEdgeSet({
    cluster,
    env: { AUTH_SECRET: SECRET, LOG_LEVEL: 'silent', PORT: '0', PARTITIONS: String(PARTITIONS) },
  });
  running.push(built);
  await built.service.start();
  return built;
}

describe('relations are served by the owner of the pair', () => {
  it('two instances: any instance answers any pair, reading its own partitions or forwarding', async () => {
    const cluster = memoryCluster({ partitions: PARTITIONS });
    const a = await instance(cluster);
    const b = await instance(cluster);
    await Promise.all([a.service.whenReady(10_000), b.service.whenReady(10_000)]);
    // Neither keeps a view of the whole pairs table.
    expect(a.service.registeredViews.map((v) => v.table)).not.toContain('edge-set-pairs-table');

    const pairs = [
      ['ann', 'bob'],
      ['cy', 'dee'],
      ['eve', 'fay'],
      ['gus', 'hal'],
      ['ivy', 'jon'],
    ] as const;
    for (const [x, y] of pairs) {
      for (const [from, to] of [
        [x, y],
        [y, x],
      ]) {
        const res = await fetch(`${a.service.address}/interactions`, {
          method: 'POST',
          headers: { ...auth(from!), 'content-type': 'application/json' },
          body: JSON.stringify({ to, type: 'like' }),
        });
        expect(res.status).toBe(202);
      }
    }
    const endpoints = new Map([
      [a, a.processors.pairs.endpoint!],
      [b, b.processors.pairs.endpoint!],
    ]);
    let forwarded = 0;
    for (const [x, y] of pairs) {
      const partition = partitionFor(pairKey(x, y), PARTITIONS);
      const owner = a.processors.pairs.partitions.includes(partition) ? a : b;
      for (const at of [a, b]) {
        const url = `${endpoints.get(at)}/users/${x}/relation/${y}`;
        await expect
          .poll(
            async () => ((await (await fetch(url, { headers: auth(x) })).json()) as { match: boolean }).match,
          )
          .toBe(true);
        const res = await fetch(url, { headers: auth(x) });
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({
          out: [{ user: y, type: 'like', count: 1 }],
          in: [{ user: y, type: 'like', count: 1 }],
          match: true,
          since: expect.any(String),
        });
        const servedBy = res.headers.get(SERVED_BY_HEADER);
        expect(servedBy).toBe(at === owner ? null : endpoints.get(owner));
        if (servedBy) forwarded++;
      }
      // The contract's checks come first: a stranger is refused before anything is forwarded.
      const stranger = await fetch(`${endpoints.get(owner === a ? b : a)}/users/${x}/relation/${y}`, {
        headers: auth('zed'),
      });
      expect(stranger.status).toBe(403);
    }
    expect(forwarded).toBe(pairs.length);
  });
});
