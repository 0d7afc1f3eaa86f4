/**
 * The parts of the platform scenario (12) that need no broker: the partition rule every
 * service-starting scenario follows, CPU readings from /proc, and the drain watch over
 * /admin/groups (served here by a stub with scripted answers).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { interactions, messagesSent, spamBlockTable } from '@showcase/contracts';
import { memoryCluster } from '@showcase/goka';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuSeconds, pidListeningOn } from '../src/platform/cpu.ts';
import { readGroups, waitDrained } from '../src/platform/groups.ts';
import { SERVICE_DEFAULT_PARTITIONS, servicePartitions } from '../src/service-partitions.ts';

describe('servicePartitions', () => {
  it("takes the services' default on a broker without contract topics", async () => {
    const cluster = memoryCluster();
    await cluster.ensureTopics([{ name: 'unrelated', partitions: 9 }]);
    expect(await servicePartitions(cluster)).toBe(SERVICE_DEFAULT_PARTITIONS);
  });

  it('takes the count of the contract topics already there, whoever made them', async () => {
    const cluster = memoryCluster();
    await cluster.ensureTopics([
      { name: spamBlockTable.name, partitions: 6, compacted: true },
      { name: messagesSent.name, partitions: 6 },
    ]);
    expect(await servicePartitions(cluster)).toBe(6);
  });

  it('names the topics when the contract topics disagree', async () => {
    const cluster = memoryCluster();
    await cluster.ensureTopics([
      { name: spamBlockTable.name, partitions: 4, compacted: true },
      { name: interactions.name, partitions: 6 },
    ]);
    await expect(servicePartitions(cluster)).rejects.toThrow(
      /anti-spam-blocker-table: 4.*edge-set-interactions: 6/,
    );
  });
});

describe('cpu readings', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((done) => (server ? server.close(done) : done(undefined)));
    server = undefined;
  });

  it('reads the CPU seconds of a process and finds who listens on a port', async () => {
    const before = cpuSeconds(process.pid)!;
    let x = 0;
    for (let i = 0; i < 3e7; i++) x += i % 7;
    expect(x).toBeGreaterThan(0);
    expect(cpuSeconds(process.pid)!).toBeGreaterThan(before);
    expect(cpuSeconds(2 ** 22 + 1)).toBeUndefined();

    server = createServer();
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
    expect(pidListeningOn((server.address() as AddressInfo).port)).toBe(process.pid);
  });
});

describe('drain watch over /admin/groups', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((done) => (server ? server.close(done) : done(undefined)));
    server = undefined;
  });

  /** A service whose one group processes `steps` more records per answer, then stays put. */
  async function stubService(steps: number[], idleLag: number) {
    let answers = 0;
    server = createServer((req, res) => {
      if (req.headers.authorization !== 'Bearer admin') {
        res.writeHead(401).end();
        return;
      }
      const processed = steps.slice(0, answers++).reduce((a, b) => a + b, 0);
      const done = answers > steps.length;
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          groups: [
            {
              group: 'g',
              state: 'running',
              processed,
              lag: done ? idleLag : 50,
              error: null,
              partitions: [{ positions: [{ topic: 't', lag: done ? idleLag : 50 }] }],
            },
          ],
        }),
      );
    });
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
    return { service: 'stub', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  it('waits until the group is still and caught up (commit markers allowed), and counts what it did', async () => {
    const endpoint = await stubService([0, 10, 10, 10], 2);
    const before = await readGroups([endpoint], 'admin');
    const lastWrite = performance.timeOrigin + performance.now();
    const drained = await waitDrained([endpoint], 'admin', before, lastWrite, {
      holdMs: 100,
      pollMs: 10,
      timeoutMs: 10_000,
      markerAllowance: 4,
    });
    expect(drained.processed).toBe(30);
    expect(drained.perGroup.has('stub/g')).toBe(true);
    expect(drained.idleLag).toBe(2);
    expect(drained.drainMs).toBeGreaterThanOrEqual(0);
  });

  it('reports a backlog that does not move as not idle', async () => {
    const endpoint = await stubService([0, 5], 40);
    const before = await readGroups([endpoint], 'admin');
    await expect(
      waitDrained([endpoint], 'admin', before, 0, {
        holdMs: 50,
        pollMs: 10,
        timeoutMs: 300,
        markerAllowance: 4,
      }),
    ).rejects.toThrow(/not idle after 0.3 s: stub\/g lag 40/);
  });
});
