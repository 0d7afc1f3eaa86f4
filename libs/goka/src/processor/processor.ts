import { EventEmitter } from 'node:events';
import { RecoveryAborted } from '../abort.ts';
import type { ClusterProducer, GroupConsumer, GroupHosts } from '../cluster/cluster.ts';
import type { Codec } from '../codec.ts';
import type { ContextScope } from '../context.ts';
import { deferred } from '../deferred.ts';
import type { InputEdge } from '../edges.ts';
import type { Group } from '../group.ts';
import { defaultLogger, type Logger } from '../logger.ts';
import { partitionFor } from '../murmur2.ts';
import { BatchingProducer } from '../producer/batching-producer.ts';
import { GroupRouting } from '../routing/group-routing.ts';
import { iterateCommitted } from '../routing/local-iterate.ts';
import { readCommitted } from '../routing/local-reads.ts';
import { NotLocal, type Owner } from '../routing/owner.ts';
import type { VisitorEdge } from '../schedule/edges.ts';
import { type VisitResult, visitAll } from '../schedule/visit-all.ts';
import { systemClock } from '../schedule/wall-clock.ts';
import { memoryStorage } from '../storage/memory-storage.ts';
import type { KeyRange, Storage } from '../storage/storage.ts';
import { prepareGroupTopics } from './group-topics.ts';
import { LeaseKeeper } from './lease/lease-keeper.ts';
import { leasedProducer } from './lease/leased-producer.ts';
import type { MembershipLapsed } from './lease/membership-lease.ts';
import { LookupViews } from './lookup-views.ts';
import { OffsetCommitter } from './offset-committer.ts';
import { PartitionTasks } from './partition-tasks.ts';
import type { ProcessorOptions, ProcessorState, ProcessorStats } from './processor-options.ts';
import { processorStats } from './processor-stats.ts';
import type { ErrorPolicy, ProcessorRuntime } from './runtime.ts';
import { StandbyReplicas } from './standby.ts';
import { coalesceOptions } from './write-coalescer.ts';

export type { Guarantee, ProcessorOptions, ProcessorState, ProcessorStats } from './processor-options.ts';

/** Routed reads (routing/): where this member answers reads of the partitions it owns. */
export interface RoutingOptions {
  /**
   * `http://host:port`, published in the group's assignment so that other members forward
   * reads of this member's keys here. May be set later with `processor.endpoint = …` (before
   * `start()`, or it is published at the next rebalance). Absent: reads are local only.
   */
  readonly endpoint?: string;
}

/**
 * Runs a group graph as a member of a consumer group. Each instance owns some partitions;
 * partition p of every input, of the loop topic and of the table belong to the same instance.
 */
export class Processor<V = unknown, L = unknown> {
  private readonly events = new EventEmitter();
  private readonly logger: Logger;
  private readonly storage: Storage;
  private readonly policy: ErrorPolicy;
  private readonly exactlyOnce: boolean;
  /** The partitions owned, set up with the runtime once the group's topics are checked. */
  private tasks: PartitionTasks | undefined;
  private lookups: LookupViews | undefined;
  private readonly committer: OffsetCommitter;
  /** At-least-once: whether the group still counts this member (see membership-lease.ts). */
  private readonly keeper: LeaseKeeper;
  private consumer: GroupConsumer | undefined;
  /** Replaced at each lapse of the lease (the old one's queue is dropped; see leased-producer.ts). */
  private producer: BatchingProducer | undefined;
  private clientProducer: ClusterProducer | undefined;
  private standby: StandbyReplicas | undefined;
  /** Routed reads: this member's endpoint and the group's host map. */
  private readonly routing: GroupRouting;
  /** Partitions of the group's topics, known once they are checked (start). */
  private partitionCount: number | undefined;
  private lifecycle: ProcessorState = 'idle';
  /** Aborted by stop() and fail(): start() stops waiting (for joins, views, recoveries) at once. */
  private readonly stopSignal = new AbortController();
  private started: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private _error: Error | undefined;
  /** Rejects when the processor fails: races every wait of start(). */
  private readonly failure = deferred<never>({ quiet: true });
  /** done(): resolves when stopped, rejects when failed. */
  private readonly finished = deferred({ quiet: true });

  constructor(
    readonly group: Group<V, L>,
    private readonly options: ProcessorOptions & RoutingOptions,
  ) {
    this.logger = (options.logger ?? defaultLogger('goka')).child({ group: group.name });
    this.storage = options.storage ?? memoryStorage();
    this.committer = new OffsetCommitter(this.logger);
    this.keeper = new LeaseKeeper(
      this.logger,
      (lapse) => this.stopForLapse(lapse),
      (lapse) => this.tasks?.restartLapsed(lapse),
    );
    this.policy = options.onError ?? 'fail';
    if (this.policy !== 'fail' && this.policy !== 'dead-letter') {
      throw new TypeError(`group "${group.name}": onError must be 'fail' or 'dead-letter'`);
    }
    const guarantee = options.guarantee ?? 'at-least-once';
    if (guarantee !== 'at-least-once' && guarantee !== 'exactly-once') {
      throw new TypeError(`group "${group.name}": guarantee must be 'at-least-once' or 'exactly-once'`);
    }
    if (guarantee === 'exactly-once' && !options.cluster.transactionalProducer) {
      throw new TypeError(
        `group "${group.name}": exactly-once needs transactions, which ${options.cluster.description} does not offer`,
      );
    }
    this.exactlyOnce = guarantee === 'exactly-once';
    this.routing = new GroupRouting(options.endpoint, options.standby === true, (partition) =>
      (this.tasks?.owned() ?? []).some((task) => task.partition === partition && task.state === 'running'),
    );
    // Failures are in state/error/done(); an 'error' event nobody listens to must not throw.
    this.events.on('error', () => undefined);
  }

  /** `recovering` while any owned partition still replays its changelog. */
  get state(): ProcessorState {
    if (this.lifecycle === 'running' || this.lifecycle === 'starting') {
      for (const task of this.tasks?.owned() ?? []) if (task.state === 'recovering') return 'recovering';
    }
    return this.lifecycle;
  }

  /** Why the processor failed. */
  get error(): Error | undefined {
    return this._error;
  }

  /** Partitions this instance owns right now. */
  get partitions(): number[] {
    return this.tasks?.partitions() ?? [];
  }

  on(event: 'state', listener: (state: ProcessorState) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'state' | 'error', listener: ((state: ProcessorState) => void) | ((error: Error) => void)): this {
    this.events.on(event, listener as (arg: unknown) => void);
    return this;
  }

  /** Resolves when stopped, rejects with the error when the processor fails. */
  done(): Promise<void> {
    return this.finished.promise;
  }

  /** Resolves once the instance is in its group and every partition it owns is recovered. */
  start(): Promise<void> {
    if (!this.started) this.started = this.run();
    return this.started;
  }

  private async run(): Promise<void> {
    if (this.lifecycle !== 'idle')
      throw new Error(`group "${this.group.name}": cannot start, state ${this.lifecycle}`);
    this.setState('starting');
    try {
      const runtime = await this.prepare();
      this.throwIfStopped();
      const tasks = new PartitionTasks(runtime, this.committer, this.standby, this.logger, (error) =>
        this.fail(error),
      );
      this.tasks = tasks;
      this.consumer = this.options.cluster.groupConsumer({
        group: this.group.name,
        topics: [...runtime.inputs.keys(), ...(this.group.loopback ? [this.group.loopTopic] : [])],
        handler: tasks,
        routing: this.routing,
        // Exactly-once: a partition's task fences the previous owner before it is ready; the
        // committed offsets are read only after that (a zombie's commit may land until then).
        ...(this.exactlyOnce ? { refetchOffsetsWhenReady: true } : {}),
      });
      this.committer.use(this.consumer);
      tasks.use(this.consumer);
      // Exactly-once needs no lease: the next owner's transactional producer fences our writes.
      if (!this.exactlyOnce) this.keeper.start(this.consumer.membership);
      await Promise.race([this.consumer.start(), this.failure.promise]);
      this.throwIfStopped();
      await Promise.race([this.whenOwnedReady(tasks), this.failure.promise]);
      // fail() may have run while we awaited; TypeScript cannot see that through `this`.
      if ((this.lifecycle as ProcessorState) === 'starting') this.setState('running');
      this.logger.info({ partitions: this.partitions }, 'processor running');
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      // Stopped while starting: not a failure; start() tells the caller it did not get to run.
      if (this.stopSignal.signal.aborted && (this.lifecycle as ProcessorState) !== 'failed') {
        throw new Error(`group "${this.group.name}": stopped before it was running`, { cause: err });
      }
      this.fail(err);
      throw this._error ?? err;
    }
  }

  private throwIfStopped(): void {
    if (this.stopSignal.signal.aborted) throw new RecoveryAborted(`group "${this.group.name}"`);
  }

  /**
   * Resolves once every partition owned right now is recovered. A partition revoked while it
   * recovers (another member joined) is not a failure: its task rejects `ready` with
   * `RecoveryAborted`, and what counts is the partitions owned afterwards.
   */
  private async whenOwnedReady(owned: PartitionTasks): Promise<void> {
    for (;;) {
      this.throwIfStopped();
      const tasks = owned.owned();
      const changed = owned.changed();
      const outcomes = await Promise.allSettled(tasks.map((task) => task.ready));
      this.throwIfStopped();
      let revoked = false;
      for (const [i, outcome] of outcomes.entries()) {
        if (outcome.status === 'fulfilled') continue;
        const task = tasks[i]!;
        if (outcome.reason instanceof RecoveryAborted && task.state !== 'failed') {
          revoked = true;
          continue;
        }
        // Its recovery met a transient broker error: a new task replaces it (PartitionTasks).
        if (owned.replacing(task)) {
          revoked = true;
          continue;
        }
        throw outcome.reason;
      }
      // After a revocation, wait until the group's new assignment has been handled: it follows
      // the revocation in the same rebalance (a turn of the event loop lets it land).
      if (revoked) {
        await Promise.race([changed, this.failure.promise]);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const now = owned.owned();
      if (!revoked && now.length === tasks.length && now.every((task, i) => task === tasks[i])) return;
    }
  }

  /**
   * The lease ran out: every partition stops and drops its held-back writes, the producer's queue
   * is dropped with the producer itself (a fresh one replaces it), and its requests still in
   * flight two sessions later are given up (BatchingProducer.abandon). Returns the writes dropped.
   */
  private stopForLapse(lapse: MembershipLapsed): number {
    const stale = this.producer;
    if (stale && this.clientProducer) {
      this.producer = new BatchingProducer(this.clientProducer, { stickyErrors: true });
    }
    const dropped = (stale?.discardQueued(lapse) ?? 0) + (this.tasks?.lapse(lapse) ?? 0);
    // Requests in flight normally settle within moments (a write that left before the lapse may
    // land and count). One still unanswered two sessions later is given up: a request to a broker
    // that died can stay unanswered inside kafkajs for minutes, a drain waiting on it holds its
    // batch, and kafkajs rejoins the group only once every batch returned (the three-broker
    // failover test saw a group stand still for 5 minutes that way).
    if (stale) setTimeout(() => stale.abandon(lapse), 2 * (this.keeper.lease.sessionMs ?? 10_000)).unref();
    return dropped;
  }

  /** Checks and creates topics, starts lookup views, builds the context scope. */
  private async prepare(): Promise<ProcessorRuntime> {
    const { cluster } = this.options;
    const g = this.group;
    const fail = (message: string) => new Error(`group "${g.name}": ${message}`);
    const { partitions: n, outputs } = await prepareGroupTopics(
      cluster,
      g as Group<unknown, unknown>,
      this.policy,
    );
    this.partitionCount = n;
    this.lookups = new LookupViews(
      { cluster, storage: this.storage, logger: this.logger },
      g.lookups,
      (table, error) => this.fail(fail(`lookup view "${table}" failed: ${error.message}`)),
    );
    this.throwIfStopped();
    await this.lookups.start();
    this.throwIfStopped();
    const scope: ContextScope = {
      group: g.name,
      tableCodec: g.persist?.codec as Codec<unknown> | undefined,
      loop: g.loopback
        ? { topic: g.loopTopic, codec: g.loopback.codec as Codec<unknown>, partitions: n }
        : undefined,
      outputs,
      joins: new Set(g.joins.map((j) => j.table)),
      lookups: new Set(g.lookups.map((l) => l.table)),
      lookup: (table, key) => this.lookups!.get(table, key),
    };
    this.clientProducer = leasedProducer(
      cluster.producer({ name: `processor ${g.name}` }),
      this.keeper.lease,
      () => this.keeper.lapsed(),
    );
    this.producer = new BatchingProducer(this.clientProducer, { stickyErrors: true });
    const tables = [...(g.persist ? [g.table] : []), ...g.joins.map((j) => j.table)];
    if (this.options.standby && tables.length > 0) {
      this.standby = new StandbyReplicas({
        cluster,
        storage: this.storage,
        tables,
        partitions: n,
        logger: this.logger,
      });
    }
    const processor = this;
    return {
      group: g as Group<unknown, unknown>,
      cluster,
      storage: this.storage,
      // A getter: a lapse of the lease replaces the producer.
      get producer() {
        return processor.producer!;
      },
      logger: this.logger,
      policy: this.policy,
      cacheSize: this.options.cacheSize ?? 10_000,
      cacheBytes: this.options.cacheBytes ?? 16 * 1024 * 1024,
      sliceMs: this.options.sliceMs ?? 5,
      exactlyOnce: this.exactlyOnce,
      coalesce: coalesceOptions(g.name, this.options.coalesce),
      scope,
      clock: this.options.clock ?? systemClock,
      inputs: new Map(g.inputs.map((i) => [i.topic, i as InputEdge<unknown, unknown, unknown>])),
      committable: (topic, partition, offset) => {
        // In exactly-once mode offsets are committed inside each partition's transaction.
        if (this.exactlyOnce) return;
        this.committer.committable(topic, partition, offset);
      },
      lease: this.keeper.lease,
      leaseLapsed: () => this.keeper.lapsed(),
      writesDropped: (count) => {
        this.keeper.dropped += count;
      },
      fail: (error) => this.fail(error),
    };
  }

  /**
   * Runs a declared visitor over every key of the partitions this instance owns (Goka's
   * VisitAll), in each partition's order; resolves once every visited key's effects are
   * acknowledged (exactly-once: committed). See schedule/visit-all.ts.
   */
  visitAll<M>(visit: string | VisitorEdge<M, V, L>, meta?: M): Promise<VisitResult> {
    return visitAll(
      this.group as Group<unknown, unknown>,
      this.tasks?.owned() ?? [],
      visit as VisitorEdge<never, never, never>,
      meta,
    );
  }

  /** Where this member answers routed reads; set before `start()` (see RoutingOptions). */
  get endpoint(): string | undefined {
    return this.routing.endpoint;
  }

  set endpoint(url: string | undefined) {
    this.routing.endpoint = url;
  }

  /**
   * Who answers a read of `key` of the group table: this instance (it owns the key's partition
   * and has recovered it), another member's endpoint, or nobody right now (rebalancing). The
   * partition is the table's, by murmur2 as emitters choose it.
   */
  owner(key: string): Owner {
    const n = this.partitionCount;
    if (n === undefined) return { kind: 'unavailable', partition: undefined, reason: 'not started' };
    return this.routing.owner(partitionFor(key, n));
  }

  /**
   * The group's map partition → endpoints (active, standbys) of the latest rebalance, as every
   * member learns it; undefined during a rebalance or before the first.
   */
  hosts(): GroupHosts | undefined {
    return this.routing.current;
  }

  /**
   * Reads `key` of the group table from the partition this instance owns (a partitioned view:
   * only owned partitions are here). Rows the changelog acknowledged (exactly-once: committed)
   * only; see routing/local-reads.ts. Throws `NotLocal` (with the owner) when the key's
   * partition is not owned or not recovered here — never a wrong `undefined`.
   */
  async get(key: string): Promise<V | undefined> {
    const codec = this.group.persist?.codec;
    if (!codec) throw new TypeError(`group "${this.group.name}" has no table (persist)`);
    const owner = this.owner(key);
    if (owner.kind !== 'local') throw new NotLocal(key, owner);
    const task = this.tasks?.owned().find((t) => t.partition === owner.partition);
    const raw = await readCommitted(task, key, () => this.owner(key));
    return raw === undefined ? undefined : codec.decode(raw);
  }

  /**
   * Rows of the group table in the partitions this instance owns and has recovered, in key
   * order (committed rows, as `get`): the local share of the table, e.g. for a scatter-gather
   * scan across instances. Throws `NotLocal` if a rebalance takes a partition meanwhile.
   */
  async *iterate(range?: KeyRange): AsyncIterable<[string, V]> {
    const codec = this.group.persist?.codec;
    if (!codec) throw new TypeError(`group "${this.group.name}" has no table (persist)`);
    for await (const [key, raw] of iterateCommitted(this.tasks?.owned() ?? [], range)) {
      yield [key, codec.decode(raw)];
    }
  }

  stats(): ProcessorStats {
    const owned = (this.tasks?.owned() ?? []).map((task) => task.stats());
    return processorStats(this.group.name, this.state, owned, this.keeper);
  }

  /** Drains in-flight work, commits, leaves the group, closes stores and the producer. */
  stop(): Promise<void> {
    if (!this.stopping) this.stopping = this.shutdown(false);
    return this.stopping;
  }

  private fail(error: Error): void {
    if (this.lifecycle === 'failed' || this.lifecycle === 'stopped') return;
    this._error = error;
    this.logger.error({ err: error }, 'processor failed');
    this.setState('failed');
    this.failure.reject(error);
    this.events.emit('error', error);
    if (!this.stopping) this.stopping = this.shutdown(true);
  }

  private async shutdown(failed: boolean): Promise<void> {
    if (this.lifecycle === 'idle') {
      this.setState('stopped');
      this.finished.resolve();
      return;
    }
    if (!failed) this.setState('stopping');
    // A start() in progress (joining, recovering, starting lookup views) is not waited for: the
    // abort reaches every await of it, and stopping the consumer revokes (and so aborts) the
    // partitions that recover.
    this.stopSignal.abort();
    this.keeper.stop();
    // Partitions waiting to start over after a broker error stay stopped.
    this.tasks?.close();
    try {
      if (!this.consumer) {
        // Still preparing: the lookup views may be recovering; stopping them ends that.
        await this.lookups?.stop();
      }
      await this.consumer?.stop();
      // start() settles promptly now; a consumer it made meanwhile is stopped here.
      await this.started?.catch(() => undefined);
      await this.consumer?.stop();
      await this.standby?.stop();
      await this.producer?.close().catch(() => undefined);
      await this.lookups?.stop();
    } catch (error) {
      this.logger.error({ err: error }, 'error while stopping');
    }
    if (failed || this.lifecycle === 'failed') {
      this.finished.reject(this._error!);
    } else {
      this.setState('stopped');
      this.finished.resolve();
    }
  }

  private setState(state: ProcessorState): void {
    this.lifecycle = state;
    this.events.emit('state', state);
  }
}
