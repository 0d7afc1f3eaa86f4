import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient, brokers, eventually } from '../src/index.ts';
import { isSingleLike, ownerMap, pairsOverPartitions, readRelation } from '../src/relations.ts';
import { type NpmStartRun, startNpmStart } from './npm-start-run.ts';

/**
 * `npm start -- --instances 3 --only edge-set` (issue 25: "any instance answers any user
 * correctly"): start.ts gives instance k its port + 100·(k−1) and no ADVERTISED_URL, so each
 * publishes the default `http://127.0.0.1:<port>` — the URL start.ts prints. Checks that every
 * instance's pairs group publishes exactly its printed URL, the three share the pairs partitions,
 * and every instance answers a sample of relations over every partition (forwarding to the owner
 * where it is not one), then Ctrl-C stops all of it with exit 0.
 *
 * failover.int.test.ts covers routed reads with three instances started by the test harness and
 * a SIGKILL; this one proves the path a user takes, start.ts's ports and env (≈ 11–24 s).
 * `E2E_START_ROUTED=0` skips it.
 */
const ENABLED = process.env.E2E_START_ROUTED !== '0';
const INSTANCES = 3;
const PAIRS_GROUP = 'edge-set-pairs';
const ADMIN = { admin: 'start-routed-admin' };

let run: NpmStartRun | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'e2e-npm-start-routed-'));
afterAll(() => {
  run?.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

describe.skipIf(!ENABLED)('npm start -- --instances 3 --only edge-set: routed relation reads', () => {
  it('each instance publishes its printed URL, any instance answers any pair, Ctrl-C stops all', async () => {
    const secret = randomBytes(32).toString('base64url');
    run = await startNpmStart({
      services: ['edge-set'],
      basePort: { 'edge-set': 4103 },
      instances: INSTANCES,
      dataDir,
      env: { ...process.env, KAFKA_BROKERS: brokers(), AUTH_SECRET: secret, LOG_LEVEL: 'warn' },
    });
    const apis = run.instances.map((i) => new ApiClient(i.url, secret));
    const urls = run.instances.map((i) => i.url);

    const maps = await eventually(
      async () => {
        const all = await Promise.all(apis.map((api) => ownerMap(api, PAIRS_GROUP, ADMIN)));
        expect(all.map((m) => m.endpoint)).toEqual(urls);
        for (const m of all) expect(m.active).toEqual(all[0]!.active);
        expect(new Set(all[0]!.active)).toEqual(new Set(urls));
        return all;
      },
      60_000,
      500,
    );
    const partitions = maps[0]!.active!.length;
    const tag = Date.now().toString(36);
    const sample = pairsOverPartitions(partitions, 2, (i) => ({
      from: `sr${tag}-a${i}`,
      to: `sr${tag}-b${i}`,
    }));
    const posted = await Promise.all(
      sample.map((p, i) => apis[i % apis.length]!.post('/interactions', p.from, { to: p.to, type: 'like' })),
    );
    expect(posted.map((r) => r.status)).toEqual(sample.map(() => 202));
    await eventually(
      async () => {
        const wrong: string[] = [];
        for (const p of sample)
          for (const api of apis) {
            const reply = await readRelation(api, p.from, p.to);
            const owner = maps[0]!.active![p.partition];
            if (!isSingleLike(reply, p.to) || reply.servedBy !== (api.baseUrl === owner ? null : owner))
              wrong.push(`${api.baseUrl} ${p.from}/${p.to}: ${reply.status} via ${reply.servedBy}`);
          }
        expect(wrong).toEqual([]);
      },
      30_000,
      250,
    );
    console.log(
      `[npm start routed] ${sample.length} pairs over ${partitions} partitions answered by all ${INSTANCES} instances; owners ${maps[0]!.active!.join(' ')}`,
    );

    run.signalGroup('SIGINT');
    const code = await Promise.race([
      run.exited,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000)),
    ]);
    expect(code, run.output().slice(-3000)).toBe(0);
  }, 300_000);
});
