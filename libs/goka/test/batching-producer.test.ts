import { describe, expect, it } from 'vitest';
import type { ClusterProducer, OutgoingRecord, RecordMetadata } from '../src/cluster/cluster.ts';
import { BatchingProducer } from '../src/producer/batching-producer.ts';
import { seeded } from './support/seeded.ts';

/**
 * BatchingProducer with more than one request in flight. The producer below it is a recorder
 * whose requests settle when the test says (acknowledge or fail), so the test controls every
 * interleaving; what it checks is the batching producer's own scheduling: never two requests
 * carrying one partition at once, and per partition the acknowledged records land in send order.
 */

interface Request {
  readonly records: readonly OutgoingRecord[];
  readonly ack: () => void;
  readonly fail: (error: Error) => void;
}

/** A ClusterProducer whose requests wait for the test; "landing" = acknowledged, in ack order. */
class Recorder implements ClusterProducer {
  readonly open: Request[] = [];
  readonly landed = new Map<string, number[]>();
  maxOpen = 0;
  /** Partitions that a request carried while another request carrying them was open. */
  readonly overlaps: string[] = [];
  private readonly offsets = new Map<string, number>();

  send(records: readonly OutgoingRecord[]): Promise<RecordMetadata[]> {
    const carried = new Set(records.map(partitionKey));
    for (const other of this.open) {
      for (const r of other.records) {
        if (carried.has(partitionKey(r))) this.overlaps.push(partitionKey(r));
      }
    }
    return new Promise((resolve, reject) => {
      const request: Request = {
        records,
        ack: () => {
          this.settle(request);
          resolve(
            records.map((r) => {
              const key = partitionKey(r);
              const offset = this.offsets.get(key) ?? 0;
              this.offsets.set(key, offset + 1);
              const list = this.landed.get(key) ?? [];
              this.landed.set(key, list);
              list.push(seqOf(r));
              return { topic: r.topic, partition: r.partition, offset };
            }),
          );
        },
        fail: (error) => {
          this.settle(request);
          reject(error);
        },
      };
      this.open.push(request);
      this.maxOpen = Math.max(this.maxOpen, this.open.length);
    });
  }

  private settle(request: Request): void {
    this.open.splice(this.open.indexOf(request), 1);
  }

  async close(): Promise<void> {}
}

const partitionKey = (r: OutgoingRecord) => `${r.topic}/${r.partition}`;
const seqOf = (r: OutgoingRecord) => Number(r.value!.toString());

function record(topic: string, partition: number, seq: number): OutgoingRecord {
  return { topic, partition, key: Buffer.from(`k${partition}`), value: Buffer.from(String(seq)) };
}

/** Waits until the recorder has `n` requests open (the batching producer sends on setImmediate). */
async function opened(recorder: Recorder, n: number): Promise<void> {
  for (let i = 0; i < 100 && recorder.open.length < n; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  expect(recorder.open.length).toBe(n);
}

describe('BatchingProducer with maxInFlight > 1', () => {
  it('splits the partitions between the requests in flight', async () => {
    const recorder = new Recorder();
    const producer = new BatchingProducer(recorder, { maxInFlight: 2 });
    const done: Promise<RecordMetadata>[] = [];
    for (let i = 0; i < 12; i++) done.push(producer.send(record('t', i % 4, i)));
    await opened(recorder, 2);
    const [first, second] = recorder.open.map((r) => new Set(r.records.map((x) => x.partition)));
    expect([...first!].sort()).toEqual([0, 1]);
    expect([...second!].sort()).toEqual([2, 3]);
    recorder.open[1]!.ack();
    recorder.open[0]!.ack();
    const metas = await Promise.all(done);
    // Each record's metadata is its own: partition as sent, offsets consecutive per partition.
    expect(metas.map((m) => `${m.partition}:${m.offset}`)).toEqual(
      Array.from({ length: 12 }, (_, i) => `${i % 4}:${Math.floor(i / 4)}`),
    );
  });

  it("keeps a partition's later records queued while its request is in flight, also when that request fails", async () => {
    const recorder = new Recorder();
    const producer = new BatchingProducer(recorder, { maxInFlight: 2 });
    const results: string[] = [];
    const track = (p: Promise<RecordMetadata>, seq: number) =>
      p.then(
        () => void results.push(`ok ${seq}`),
        () => void results.push(`failed ${seq}`),
      );
    // Partition 0 alone in the first request: 0, 1. Partition 1 in the second: 2.
    const first = [track(producer.send(record('t', 0, 0)), 0), track(producer.send(record('t', 0, 1)), 1)];
    const second = track(producer.send(record('t', 1, 2)), 2);
    await opened(recorder, 2);
    // Partition 0 gets another record while its request is in flight; partition 1's request
    // settles, which frees a slot — partition 0's record must still wait.
    const later = track(producer.send(record('t', 0, 3)), 3);
    recorder.open.find((r) => r.records[0]!.partition === 1)!.ack();
    await second;
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(recorder.open).toHaveLength(1);
    expect(recorder.open[0]!.records.map(seqOf)).toEqual([0, 1]);
    // The request with 0 and 1 fails: only then does 3 leave, and it lands alone.
    recorder.open[0]!.fail(new Error('not leader'));
    await Promise.all(first);
    await opened(recorder, 1);
    expect(recorder.open[0]!.records.map(seqOf)).toEqual([3]);
    recorder.open[0]!.ack();
    await later;
    expect(results).toEqual(['ok 2', 'failed 0', 'failed 1', 'ok 3']);
    expect(recorder.overlaps).toEqual([]);
    expect(recorder.landed.get('t/0')).toEqual([3]);
  });

  it('with sticky errors fails what is queued once a request fails; other requests in flight still land', async () => {
    const recorder = new Recorder();
    const producer = new BatchingProducer(recorder, { maxInFlight: 2, stickyErrors: true });
    const outcome = (p: Promise<RecordMetadata>) =>
      p.then(
        () => 'ok',
        (e: Error) => e.message,
      );
    const a = outcome(producer.send(record('t', 0, 0)));
    const b = outcome(producer.send(record('t', 1, 1)));
    await opened(recorder, 2);
    const queued = outcome(producer.send(record('t', 0, 2)));
    recorder.open.find((r) => r.records[0]!.partition === 0)!.fail(new Error('boom'));
    expect(await a).toBe('boom');
    expect(await queued).toBe('boom');
    expect(await outcome(producer.send(record('t', 1, 3)))).toBe('boom');
    recorder.open[0]!.ack();
    expect(await b).toBe('ok');
    expect(producer.error?.message).toBe('boom');
  });

  for (const maxInFlight of [1, 2]) {
    it(`abandon fails the records in flight and queued at once, ignores the late answer and sends nothing more (maxInFlight ${maxInFlight})`, async () => {
      const recorder = new Recorder();
      const producer = new BatchingProducer(recorder, { maxInFlight, stickyErrors: true });
      const outcome = (p: Promise<RecordMetadata>) =>
        p.then(
          () => 'ok',
          (e: Error) => e.message,
        );
      const inFlight = outcome(producer.send(record('t', 0, 0)));
      await opened(recorder, 1);
      const queued = outcome(producer.send(record('t', 0, 1)));
      expect(producer.abandon(new Error('lapsed'))).toBe(1); // the queued one; the client had the other
      expect(await inFlight).toBe('lapsed'); // without waiting for the client's answer
      expect(await queued).toBe('lapsed');
      recorder.open[0]!.ack(); // the late answer changes nothing
      expect(await outcome(producer.send(record('t', 0, 2)))).toBe('lapsed');
      expect(recorder.open).toHaveLength(0);
    });
  }

  it('property: random sends, acks and failures never reorder a partition nor overlap its requests', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = seeded(seed);
      const recorder = new Recorder();
      const maxInFlight = 2 + Math.floor(random() * 3);
      const producer = new BatchingProducer(recorder, {
        maxInFlight,
        maxBatch: 1 + Math.floor(random() * 8),
      });
      const topics = ['a', 'b'];
      const settled: Promise<unknown>[] = [];
      let sent = 0;
      let failures = 0;
      let callbacks = 0;
      for (let step = 0; step < 300; step++) {
        const roll = random();
        if (roll < 0.5) {
          const r = record(topics[Math.floor(random() * 2)]!, Math.floor(random() * 5), sent++);
          settled.push(
            producer.send(r).then(
              (meta) => {
                callbacks++;
                expect(meta.partition).toBe(r.partition);
              },
              () => void callbacks++,
            ),
          );
        } else if (recorder.open.length > 0) {
          const request = recorder.open[Math.floor(random() * recorder.open.length)]!;
          if (roll < 0.9) request.ack();
          else {
            failures++;
            request.fail(new Error('retries exhausted'));
          }
        }
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      while (recorder.open.length > 0 || producer.pending > 0) {
        recorder.open[0]?.ack();
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      await Promise.all(settled);
      await producer.flush();
      expect(recorder.overlaps, `seed ${seed}`).toEqual([]);
      expect(callbacks, `seed ${seed}`).toBe(sent);
      expect(recorder.maxOpen, `seed ${seed}`).toBeLessThanOrEqual(maxInFlight);
      // Oracle: per partition, what landed is a subsequence of the send order.
      for (const [key, seqs] of recorder.landed) {
        expect(seqs, `seed ${seed} ${key}`).toEqual([...seqs].sort((x, y) => x - y));
      }
      const landed = [...recorder.landed.values()].reduce((n, s) => n + s.length, 0);
      if (failures === 0) expect(landed, `seed ${seed}`).toBe(sent);
    }
  });

  it('with one request in flight (the default) sends one request at a time', async () => {
    const recorder = new Recorder();
    const producer = new BatchingProducer(recorder);
    const done: Promise<RecordMetadata>[] = [];
    for (let i = 0; i < 6; i++) done.push(producer.send(record('t', i % 3, i)));
    await opened(recorder, 1);
    done.push(producer.send(record('t', 5, 6)));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(recorder.open).toHaveLength(1);
    recorder.open[0]!.ack();
    await opened(recorder, 1);
    recorder.open[0]!.ack();
    await Promise.all(done);
    expect(recorder.maxOpen).toBe(1);
  });

  it('rejects a maxInFlight that is not a positive integer', () => {
    expect(() => new BatchingProducer(new Recorder(), { maxInFlight: 0 })).toThrow(/maxInFlight/);
    expect(() => new BatchingProducer(new Recorder(), { maxInFlight: 1.5 })).toThrow(/maxInFlight/);
  });
});
