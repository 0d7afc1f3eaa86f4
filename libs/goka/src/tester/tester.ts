import type { Headers } from '../cluster/cluster.ts';
import { MemoryCluster } from '../cluster/memory-cluster.ts';
import type { Codec } from '../codec.ts';
import { resolvePartitions } from '../emitter.ts';
import type { Group } from '../group.ts';
import { partitionFor } from '../murmur2.ts';
import { Processor, type ProcessorOptions } from '../processor/processor.ts';
import type { VisitorEdge } from '../schedule/edges.ts';
import type { VisitResult } from '../schedule/visit-all.ts';
import { ManualClock } from '../schedule/wall-clock.ts';
import { memoryStorage } from '../storage/memory-storage.ts';
import type { Storage } from '../storage/storage.ts';
import { View, type ViewOptions } from '../view.ts';
import { Tracker } from './tracker.ts';

export interface TesterOptions {
  /** Partitions of every topic the tester creates. Default 3: tests see multi-partition behaviour. */
  readonly partitions?: number;
  /** How long `consume`/`waitIdle` wait before failing with what is still pending. Default 10 s. */
  readonly idleTimeoutMs?: number;
  /** Where the wall clock of the tester's processors starts (ms since epoch). Default 0. */
  readonly wallClockStart?: number;
}

/**
 * Goka's tester, multi-partition: a memory cluster and memory storage that processors and views
 * run on unchanged. The tester only swaps the builders (cluster, storage); every record goes
 * through the same partition processing, recovery and commit code as on Kafka.
 */
export class Tester {
  readonly cluster: MemoryCluster;
  /** The wall clock of every processor the tester starts: it moves only by `advanceWallClock`. */
  readonly clock: ManualClock;
  /** A memory storage for the caller's own use; processors get one per group (`storageOf`). */
  readonly storage: Storage = memoryStorage();
  /**
   * One storage per group: a table's owner and the groups joining it each keep their own copy,
   * as separate processes would (one shared store would let a joiner see the owner's writes
   * before they reach the changelog, and two writers race on one checkpoint).
   */
  private readonly storages = new Map<string, Storage>();
  private readonly processors: Processor<unknown, unknown>[] = [];
  private readonly views: View<unknown>[] = [];
  private readonly codecs = new Map<string, Codec<unknown>>();
  private readonly groups = new Map<string, Group<unknown, unknown>>();
  private readonly producer;
  private readonly idleTimeoutMs: number;

  constructor(options: TesterOptions = {}) {
    this.cluster = new MemoryCluster({ partitions: options.partitions ?? 3 });
    this.producer = this.cluster.producer();
    this.idleTimeoutMs = options.idleTimeoutMs ?? 10_000;
    this.clock = new ManualClock(options.wallClockStart ?? 0);
  }

  /** Starts a processor for the group on the tester's cluster and storage. */
  async processor<V, L>(
    group: Group<V, L>,
    options: Omit<ProcessorOptions, 'cluster'> = {},
  ): Promise<Processor<V, L>> {
    const g = group as Group<unknown, unknown>;
    this.groups.set(g.name, g);
    for (const topic of [
      ...g.inputs.map((i) => i.topic),
      ...g.outputs.map((o) => o.topic),
      g.table,
      g.loopTopic,
    ]) {
      const codec = g.codecFor(topic);
      if (codec && !this.codecs.has(topic)) this.codecs.set(topic, codec);
    }
    // setTableValue writes the store behind the processor's back; without a value cache the
    // processor reads the store, so it sees such writes. (Only the tester writes that way.)
    // A batch never yields on a clock (`sliceMs`): the same inputs give the same interleaving.
    const p = new Processor(group, {
      storage: this.storageOf(g.name),
      cacheSize: 0,
      sliceMs: 0,
      clock: this.clock,
      ...options,
      cluster: this.cluster,
    });
    this.processors.push(p as Processor<unknown, unknown>);
    await p.start();
    return p;
  }

  async view<T>(table: string, codec: Codec<T>, options: Partial<ViewOptions<T>> = {}): Promise<View<T>> {
    const v = new View<T>({ storage: memoryStorage(), ...options, cluster: this.cluster, table, codec });
    this.views.push(v as View<unknown>);
    await v.start();
    return v;
  }

  /** Registers the codec of a topic no started group declares (e.g. an output read by nobody). */
  codec<T>(topic: string, codec: Codec<T>): void {
    this.codecs.set(topic, codec as Codec<unknown>);
  }

  /**
   * Writes a message to a topic, keyed like an emitter would, and returns once every processor
   * and view has processed everything that follows from it (loopbacks, outputs, tables).
   */
  async consume<T>(
    topic: string,
    key: string,
    value: T | null,
    options: { headers?: Headers; codec?: Codec<T>; timestamp?: number } = {},
  ) {
    const codec = (options.codec as Codec<unknown> | undefined) ?? this.codecs.get(topic);
    if (!codec && value !== null) {
      throw new Error(
        `tester: no codec known for topic "${topic}"; start a group that reads it or pass { codec }`,
      );
    }
    const partitions = await resolvePartitions(this.cluster, topic);
    const keyBytes = Buffer.from(key, 'utf8');
    await this.producer.send([
      {
        topic,
        partition: partitionFor(keyBytes, partitions),
        key: keyBytes,
        value: value === null ? null : codec!.encode(value),
        ...(options.headers ? { headers: options.headers } : {}),
        // The record's timestamp is what moves a partition's stream time (stream-time timers).
        ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}),
      },
    ]);
    await this.waitIdle();
  }

  /**
   * Moves the wall clock by `ms`: every wall-clock timer of every processor fires at each
   * boundary on the way, in time order; returns once what they caused is processed.
   */
  async advanceWallClock(ms: number): Promise<void> {
    await this.waitIdle();
    await this.clock.advance(ms);
    await this.waitIdle();
  }

  /**
   * Goka's VisitAll through the tester: runs the group's visitor on every processor of the
   * group the tester started, and returns once what it caused is processed.
   */
  async visit<V, L, M>(
    group: Group<V, L> | string,
    visit: string | VisitorEdge<M, V, L>,
    meta?: M,
  ): Promise<VisitResult> {
    const name = typeof group === 'string' ? group : group.name;
    const owners = this.processors.filter((p) => p.group.name === name && p.state === 'running');
    if (owners.length === 0) throw new Error(`tester: no running processor of group "${name}"`);
    await this.waitIdle();
    const results = await Promise.all(
      owners.map((p) => p.visitAll(visit as string | VisitorEdge<unknown, unknown, unknown>, meta)),
    );
    await this.waitIdle();
    return {
      visit: results[0]!.visit,
      visited: results.reduce((n, r) => n + r.visited, 0),
      partitions: results.flatMap((r) => r.partitions).sort((a, b) => a.partition - b.partition),
    };
  }

  /** Waits until nothing is left to process; fails fast when a processor failed. */
  async waitIdle(): Promise<void> {
    const deadline = Date.now() + this.idleTimeoutMs;
    // Idleness must hold across a full turn of the event loop, not just between two microtasks.
    let quietTurns = 0;
    while (quietTurns < 2) {
      const failed = this.processors.find((p) => p.state === 'failed');
      if (failed)
        throw new Error(`tester: processor ${failed.group.name} failed: ${failed.error?.message}`, {
          cause: failed.error,
        });
      if (Date.now() > deadline) {
        throw new Error(
          `tester: not idle after ${this.idleTimeoutMs} ms: ${this.cluster.describeBacklog().join('; ')}`,
        );
      }
      quietTurns = this.cluster.isIdle() ? quietTurns + 1 : 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** The table's current value for a key, from its changelog (what a recovering instance sees). */
  tableValue<V>(group: Group<V, unknown> | string, key: string): V | undefined {
    const g = this.groupOf(group);
    if (!g.persist) throw new Error(`tester: group "${g.name}" has no persist() table`);
    const raw = this.latest(g.table, key);
    return raw === undefined || raw === null ? undefined : (g.persist.codec.decode(raw) as V);
  }

  /**
   * Sets a table value as if the group had written it: a changelog record plus the owning
   * partition's store (the processors of this tester share its storage).
   */
  async setTableValue<V>(group: Group<V, unknown> | string, key: string, value: V): Promise<void> {
    const g = this.groupOf(group);
    if (!g.persist) throw new Error(`tester: group "${g.name}" has no persist() table`);
    await this.waitIdle();
    const partitions = await resolvePartitions(this.cluster, g.table);
    const keyBytes = Buffer.from(key, 'utf8');
    const partition = partitionFor(keyBytes, partitions);
    const encoded = g.persist.codec.encode(value);
    const [meta] = await this.producer.send([{ topic: g.table, partition, key: keyBytes, value: encoded }]);
    const store = await this.storageOf(g.name).open(g.table, partition);
    await store.write([{ type: 'put', key, value: encoded }], meta!.offset + 1);
    await this.waitIdle();
  }

  /** The storage the processors of a group run on in this tester. */
  storageOf(group: string): Storage {
    let storage = this.storages.get(group);
    if (!storage) {
      storage = memoryStorage();
      this.storages.set(group, storage);
    }
    return storage;
  }

  /** Follows a topic from now on. */
  track<T>(topic: string, codec?: Codec<T>): Tracker<T> {
    const c = (codec as Codec<unknown> | undefined) ?? this.codecs.get(topic);
    if (!c) throw new Error(`tester: no codec known for topic "${topic}"; pass one`);
    let partitions = this.cluster.partitionsOf(topic);
    if (partitions === undefined) {
      partitions = this.cluster.defaultPartitions;
      this.cluster.createTopic({ name: topic, partitions });
    }
    return new Tracker<T>(this.cluster, topic, c as Codec<T>, partitions);
  }

  /** Stops every processor and view the tester started. */
  async stop(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.stop().catch(() => undefined)));
    await Promise.all(this.views.map((v) => v.stop()));
  }

  private latest(topic: string, key: string): Buffer | null | undefined {
    const partitions = this.cluster.partitionsOf(topic);
    if (partitions === undefined) return undefined;
    const partition = partitionFor(key, partitions);
    const records = this.cluster.records(topic, partition);
    for (let i = records.length - 1; i >= 0; i--) {
      const r = records[i]!;
      if (r.key?.toString('utf8') === key) return r.value;
    }
    return undefined;
  }

  private groupOf(group: Group<unknown, unknown> | Group<never, unknown> | string): Group<unknown, unknown> {
    if (typeof group !== 'string') return group as Group<unknown, unknown>;
    const g = this.groups.get(group);
    if (!g) throw new Error(`tester: unknown group "${group}"; start it with tester.processor()`);
    return g;
  }
}

export function createTester(options: TesterOptions = {}): Tester {
  return new Tester(options);
}
