/**
 * The Goka peer (bench/peers/goka) against the broker of the vitest global setup: a tiny produce
 * workload lands every record where the TypeScript side puts it (murmur2 partitions, 100-byte
 * values), and the peer exits when the bench goes away. Skipped, with a message, where `go` is
 * missing. The build goes to the git-ignored bench/peers/goka/.build; Go's build cache makes
 * later builds take seconds, but the first one on a machine compiles sarama, Goka and goleveldb
 * (≈ 2 minutes on a busy 2-core machine, plus the module download).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { partitionFor } from '@showcase/goka';
import { brokersFromEnv } from '@showcase/kafka-infra';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyOf, VALUE_BYTES } from '../src/data.ts';
import { createTopics, rawKafka, topicSize, withAdmin } from '../src/kafka.ts';
import { buildPeer, goUnavailable, PEER_SOURCE, peerArgs, runPeer } from '../src/peers/goka-peer.ts';
import { exited, stopChild } from '../src/processes.ts';

const whyNoGo = await goUnavailable();
if (whyNoGo) console.warn(`goka-peer.int.test.ts skipped: ${whyNoGo}`);

const PARTITIONS = 6;
const unique = (what: string) =>
  `goka-peer-test-${what}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;

describe.skipIf(whyNoGo !== undefined)('the Goka peer', () => {
  let binary = '';
  const brokers = () => brokersFromEnv();
  const kafka = () => rawKafka(brokers(), 'goka-peer-test');
  const created: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'goka-peer-test-'));

  beforeAll(async () => {
    binary = await buildPeer((line) => console.log(line));
  }, 600_000);

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    if (created.length > 0) {
      await withAdmin(kafka(), (admin) => admin.deleteTopics({ topics: created })).catch(() => undefined);
    }
  });

  it('produces every record, 100-byte JSON, on the partition the TypeScript side would choose', async () => {
    const topic = unique('produce');
    await createTopics(kafka(), [{ name: topic, partitions: PARTITIONS }]);
    created.push(topic);
    const records = 3_000;
    const keys = 100;
    const figures = await runPeer(
      binary,
      { workload: 'produce', brokers: brokers(), topic, records, keys, window: 500 },
      { timeoutMs: 60_000, prefix: '[goka-peer produce]' },
    );
    expect(figures.rate).toBeGreaterThan(0);
    expect(figures.peakRssMiB).toBeGreaterThan(0);
    expect(figures.records).toBe(records);

    // The warm-up record (key 0) and the records themselves, each where murmur2 puts its key.
    expect(await topicSize(kafka(), topic)).toBe(records + 1);
    // Quiet: on a fresh broker the group coordinator is still loading and kafkajs logs its retries.
    const reader = new Kafka({
      clientId: 'goka-peer-test-reader',
      brokers: brokers(),
      logLevel: logLevel.NOTHING,
    });
    const consumer = reader.consumer({ groupId: unique('reader') });
    const seen = new Map<string, number>();
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      let count = 0;
      const all = new Promise<void>((done, fail) => {
        void consumer.run({
          eachMessage: async ({ partition, message }) => {
            try {
              const key = message.key?.toString() ?? '';
              expect(partition, key).toBe(partitionFor(key, PARTITIONS));
              const value = message.value ?? Buffer.alloc(0);
              expect(value.length).toBe(VALUE_BYTES);
              const parsed = JSON.parse(value.toString()) as { id: number; user: string; text: string };
              expect(parsed.user).toBe(key);
              expect(keyOf(parsed.id, keys)).toBe(key);
              seen.set(key, (seen.get(key) ?? 0) + 1);
              if (++count === records + 1) done();
            } catch (error) {
              fail(error);
            }
          },
        });
      });
      await all;
    } finally {
      await consumer.disconnect();
    }
    expect(seen.size).toBe(keys);
    expect(seen.get(keyOf(0, keys))).toBe(records / keys + 1);
    expect(seen.get(keyOf(keys - 1, keys))).toBe(records / keys);
  });

  it("passes its own Go tests (murmur2 against partitionFor's values, the 100-byte value)", async () => {
    const child = spawn('go', ['test', './...'], { cwd: PEER_SOURCE, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      const { code } = await exited(child);
      expect(code, output).toBe(0);
      expect(output).toMatch(/^ok\s/m);
    } finally {
      await stopChild(child, 2_000);
    }
  }, 300_000);

  it('exits when its standard input closes (the bench went away)', async () => {
    // A processor on an empty input topic would wait for records forever.
    const input = unique('idle-input');
    const group = unique('idle');
    await createTopics(kafka(), [
      { name: input, partitions: PARTITIONS },
      { name: `${group}-table`, partitions: PARTITIONS, compacted: true },
    ]);
    created.push(input, `${group}-table`);
    const args = peerArgs({
      workload: 'stateful',
      brokers: brokers(),
      topic: input,
      group,
      records: 10,
      dir: join(dir, 'idle'),
    });
    const child = spawn(binary, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    try {
      let stderr = '';
      const claimed = new Promise<void>((done) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (stderr.includes('setup generation')) done();
        });
      });
      await claimed; // it joined the group and is waiting for input
      child.stdin.end();
      const { code } = await exited(child);
      expect(code).toBe(2);
      expect(stderr).toContain('standard input closed');
    } finally {
      await stopChild(child, 2_000);
    }
  });
});
