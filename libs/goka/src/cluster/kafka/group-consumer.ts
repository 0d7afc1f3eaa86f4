import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { deferred } from '../../deferred.ts';
import type { Logger } from '../../logger.ts';
import type { CommitOffset, GroupConsumer, GroupConsumerOptions } from '../cluster.ts';
import type { TopicAdmin } from './admin.ts';
import { coPartitionedAssigner } from './assigners.ts';
import { type HandoffHost, type HeldBatch, handOff } from './batch-handoff.ts';
import {
  asError,
  OPENING_GRACE_MS,
  openWhileWanted,
  REOPEN_DELAY_MS,
  reopenLater,
  settlesWithin,
} from './consumer-upkeep.ts';
import { GroupHostsFollower } from './group-hosts-follower.ts';
import { MemberWatchdog } from './member-watchdog.ts';
import { MembershipClock } from './membership-clock.ts';
import { PartitionFlow } from './partition-flow.ts';

export interface ConsumerSettings {
  readonly sessionTimeout: number;
  readonly heartbeatInterval: number;
  readonly rebalanceTimeout: number;
  /** Long-poll time of an idle fetch; also how late an idle member notices a rebalance. */
  readonly maxWaitTime: number;
  /** The same for readers, which are stopped right after recovery: keep it short. */
  readonly readerMaxWaitTime: number;
  /** How long crashes without a successful join in between may last before a member fails. */
  readonly giveUpAfter: number;
}

type State = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** kafkajs starts one worker per batch it may run at once; batches of one fetch run together. */
const CONCURRENT_BATCHES = 64;
/** How often kafkajs' paused partitions are checked against what this member wants (PartitionFlow.reconcile). */
const RECONCILE_EVERY_MS = 10_000;

/**
 * A processor's membership in its consumer group, on kafkajs (classic protocol, eager
 * rebalancing: every member gives up everything and rejoins): joining, the assignment diff of
 * each join (what the handler is told it got and lost), crashes and reopening, leaving. How a
 * batch is handed over before kafkajs may rejoin is in batch-handoff.ts; which partitions kafkajs
 * may fetch (held back until ready, paused by the handler) in partition-flow.ts. The revocation
 * itself is reported to the handler after the join, from the assignment diff; by then there is
 * nothing left to finish.
 */
export class KafkaGroupConsumer implements GroupConsumer {
  private consumer: Consumer | undefined;
  private state: State = 'idle';
  /** What the handler was told it owns (assigned and not revoked), as of the latest join. */
  private owned = new Set<number>();
  /** handler.assigned/revoked, strictly in the order the group dictated them. */
  private chain: Promise<void> = Promise.resolve();
  /** Batches in the handler, outstanding fetches: logged when the member stands still. */
  private readonly watchdog: MemberWatchdog;
  private readonly flow: PartitionFlow;
  private readonly handoff: HandoffHost;
  private readonly joined = deferred({ quiet: true });
  private stopping: Promise<void> | undefined;
  /** Since when kafkajs keeps crashing without a successful join in between. */
  private failingSince: number | undefined;
  private cancelReopen: (() => void) | undefined;
  /** This member's id in the group as of the latest join (kafkajs' member id). */
  private memberId: string | undefined;
  /** The latest open() (first start or a reopen after kafkajs gave up). */
  private opening: Promise<void> | undefined;
  private readonly logger: Logger;
  /** When the coordinator last confirmed this membership (the processor's lease reads it). */
  readonly membership: MembershipClock;
  /** Routed reads: the group's map partition → endpoint, read after each join. */
  private readonly hosts: GroupHostsFollower;
  private reconciling: NodeJS.Timeout | undefined;
  /** When `rejoinIfStuck` last dropped a stuck consumer. */
  private rejoinedAt = 0;
  /** Runs the watchdog until the stop has finished (a stop waits for held batches too). */
  private watching: NodeJS.Timeout | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: GroupConsumerOptions,
    private readonly settings: ConsumerSettings,
    logger: Logger,
    /** Reads committed offsets for `refetchOffsetsWhenReady` and `seekToCommitted`. */
    admin: TopicAdmin,
  ) {
    this.logger = logger.child({ consumerGroup: options.group });
    this.membership = new MembershipClock(settings.sessionTimeout);
    this.watchdog = new MemberWatchdog(this.logger, options.handler, this.membership);
    this.hosts = new GroupHostsFollower(options.group, admin, options.routing, this.logger);
    this.flow = new PartitionFlow(
      {
        group: options.group,
        topics: options.topics,
        consumer: () => this.consumer,
        owns: (partition) => this.accepts(partition),
      },
      admin,
    );
    this.handoff = {
      handler: options.handler,
      heartbeatInterval: settings.heartbeatInterval,
      assignments: () => this.chain,
      owns: (partition) => this.accepts(partition),
      isHeld: (partition) => this.flow.isHeld(partition),
      fail: (error) => this.fail(error),
    };
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`group ${this.options.group}: consumer started twice`);
    this.state = 'starting';
    try {
      this.opening = this.open();
      await this.opening;
    } catch (error) {
      this.fail(asError(error));
    }
    if (this.state === 'starting') this.state = 'running';
    this.reconciling = setInterval(() => this.reconcile(), RECONCILE_EVERY_MS);
    this.reconciling.unref();
    this.watching = setInterval(() => {
      this.watchdog.check(this.active, [...this.owned]);
      this.rejoinIfStuck();
    }, RECONCILE_EVERY_MS);
    this.watching.unref();
    await this.joined.promise;
  }

  /** Resumes what kafkajs holds paused wrongly (see PartitionFlow.reconcile); logged, as it is a lost call. */
  private reconcile(): void {
    if (!this.active) return;
    const resumed = this.flow.reconcile([...this.owned].filter((p) => this.accepts(p)));
    if (resumed.length > 0)
      this.logger.warn({ resumed }, 'partitions kafkajs held paused by mistake, resumed');
  }

  /**
   * The coordinator has not confirmed this member for longer than any rebalance may take (the
   * rebalance timeout plus a session): kafkajs is stuck, not waiting for the group. On the
   * three-broker failover test a member whose coordinator died went on fetching for minutes
   * without a single heartbeat or join answered, and none of its partitions was processed. A new
   * consumer joins as a new member (everything owned is revoked and handed out anew, as after a
   * crash); the stuck one is dropped, its disconnect left to finish in the background.
   */
  private rejoinIfStuck(): void {
    const unconfirmed = this.watchdog.unconfirmedMs();
    const limit = this.settings.rebalanceTimeout + this.settings.sessionTimeout;
    if (this.state !== 'running' || unconfirmed === undefined || unconfirmed < limit) return;
    // Only while brokers answer its fetches: during an outage nobody confirms anything, and a
    // new consumer would not fare better than kafkajs' own reconnects.
    if (!this.watchdog.fetchedWithin(RECONCILE_EVERY_MS)) return;
    if (Date.now() - this.rejoinedAt < limit) return;
    this.rejoinedAt = Date.now();
    const stuck = this.consumer;
    this.consumer = undefined; // what the stuck consumer reports from now on is ignored
    this.onCrash(
      new Error(`the group coordinator has not confirmed this member for ${unconfirmed} ms`),
      false,
      stuck,
    );
  }

  /** A kafkajs consumer in the group; a new one replaces it when kafkajs gave up. */
  private async open(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.options.group,
      partitionAssigners: [
        coPartitionedAssigner(
          () => [...this.owned],
          () => this.options.routing?.member() ?? {},
        ),
      ],
      sessionTimeout: this.settings.sessionTimeout,
      heartbeatInterval: this.settings.heartbeatInterval,
      rebalanceTimeout: this.settings.rebalanceTimeout,
      maxWaitTimeInMs: this.settings.maxWaitTime,
      allowAutoTopicCreation: false,
      // Retriable crashes (broker gone, coordinator moved) restart the consumer, as a new member,
      // until crashes have lasted longer than `giveUpAfter`.
      retry: {
        restartOnFailure: async () => {
          this.failingSince ??= Date.now();
          return this.active && !this.exhausted;
        },
      },
    });
    this.consumer = consumer;
    this.membership.follow(consumer, () => this.consumer === consumer);
    this.watchdog.follow(consumer, () => this.consumer === consumer);
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      if (this.consumer !== consumer) return;
      this.membership.joined();
      this.onJoin(payload.memberAssignment, payload.memberId);
      if (this.active) this.hosts.joined(payload.memberId);
    });
    // A rebalance began: who owns what is unknown until this member has joined again.
    consumer.on(consumer.events.REBALANCING, () => {
      if (this.consumer === consumer) this.hosts.unknown();
    });
    // A fetch that returned only transaction markers or aborted records reaches no eachBatch;
    // kafkajs resolves it itself and reports it here with batchSize 0.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (this.consumer !== consumer || payload.batchSize !== 0) return;
      if (this.accepts(payload.partition)) {
        this.options.handler.passed?.(payload.topic, payload.partition, Number(payload.lastOffset) + 1);
      }
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (this.consumer === consumer) this.onCrash(payload.error, payload.restart);
    });
    // A stop() that lands meanwhile disconnects the consumer; it must not join afterwards.
    await openWhileWanted(consumer, () => this.active && this.consumer === consumer, {
      subscribe: () => consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true }),
      run: () =>
        consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: CONCURRENT_BATCHES,
          // A consumer dropped as stuck (rejoinIfStuck) may still run: its batches are not ours.
          eachBatch: (payload) => (this.consumer === consumer ? this.eachBatch(payload) : Promise.resolve()),
        }),
    });
  }

  /**
   * Runs synchronously inside kafkajs' join, before the generation's first fetch.
   *
   * A member id other than the last join's means this member was out of the group in between:
   * expelled (its session expired while it was frozen or starved) and rejoined by kafkajs as a
   * new member. Others owned its partitions meanwhile and processed on from the committed
   * offsets, so whatever it still holds is stale — even a partition the sticky assignment hands
   * it back. Everything it owned is revoked and what it gets now starts anew (recovered from the
   * changelog), as after a crash.
   */
  private onJoin(memberAssignment: Record<string, number[]>, memberId: string): void {
    const next = new Set<number>();
    for (const partitions of Object.values(memberAssignment)) for (const p of partitions) next.add(p);
    const expelled = this.memberId !== undefined && memberId !== this.memberId;
    this.memberId = memberId;
    if (!this.active) {
      this.flow.pauseAll();
      return;
    }
    if (expelled && this.owned.size > 0) {
      this.logger.warn(
        { partitions: [...this.owned] },
        'rejoined the group as a new member (expelled meanwhile): every partition starts anew',
      );
    }
    const kept = (p: number) => !expelled && this.owned.has(p);
    const revoked = [...this.owned].filter((p) => !next.has(p) || expelled).sort((a, b) => a - b);
    const added = [...next].filter((p) => !kept(p)).sort((a, b) => a - b);
    this.owned = next;
    this.flow.forget(revoked);
    this.failingSince = undefined;
    const { handler } = this.options;
    this.flow.arrived(added, handler.ready !== undefined);
    this.logger.debug({ partitions: [...next], added, revoked }, 'joined the group');
    this.chain = this.chain
      .then(async () => {
        if (revoked.length > 0) await handler.revoked(revoked);
        if (added.length > 0) await handler.assigned(added);
        this.joined.resolve();
        if (handler.ready) {
          for (const p of added) {
            this.flow.resumeWhenReady(
              p,
              handler.ready(p),
              this.options.refetchOffsetsWhenReady ?? false,
              (error) => this.fail(error),
            );
          }
        }
      })
      .catch((error: unknown) => this.fail(asError(error)));
  }

  pause(partition: number): void {
    this.flow.pause(partition);
  }

  seekToCommitted(partition: number): Promise<void> {
    return this.flow.seekToCommitted(partition);
  }

  resume(partition: number): void {
    this.flow.resume(partition);
  }

  /**
   * kafkajs crashed. What this member owned is lost either way: its uncommitted work will be
   * processed again by the next owner (maybe this member, as a new one). With `restart` kafkajs
   * rebuilds its consumer and rejoins. Without, it gave up; most such errors come from the broker
   * side and pass (a long outage, a coordinator not found right after a restart), so a new
   * consumer takes over. Either way only until crashes have lasted longer than `giveUpAfter`
   * without a successful join: then the processor fails, visibly.
   */
  private onCrash(error: Error, restart: boolean, dispose: Consumer | undefined = this.consumer): void {
    if (!this.active) return;
    this.hosts.unknown();
    const lost = [...this.owned].sort((a, b) => a - b);
    this.owned = new Set();
    this.flow.forget(lost);
    if (lost.length > 0) {
      this.chain = this.chain
        .then(() => this.options.handler.revoked(lost))
        .catch((err: unknown) => this.fail(asError(err)));
    }
    this.failingSince ??= Date.now();
    if (restart) {
      this.logger.warn({ err: error }, 'kafka consumer crashed; it rejoins the group as a new member');
      return;
    }
    if (this.exhausted) {
      this.fail(error);
      return;
    }
    this.logger.warn(
      { err: error },
      `kafka consumer gave up; a new one joins the group in ${REOPEN_DELAY_MS / 1000} s`,
    );
    this.cancelReopen = reopenLater({
      consumer: dispose,
      active: () => this.active,
      open: () => {
        this.opening = this.open();
        return this.opening;
      },
      failed: (err) => this.onCrash(err, false),
    });
  }

  private eachBatch(payload: EachBatchPayload): Promise<void> {
    if (!this.accepts(payload.batch.partition)) return Promise.resolve();
    const { topic, partition } = payload.batch;
    const held: HeldBatch = { topic, partition, since: Date.now(), stage: 'assignments' };
    const work = handOff(this.handoff, payload, held);
    this.watchdog.batches.set(work, held);
    return work.finally(() => this.watchdog.batches.delete(work));
  }

  private accepts(partition: number): boolean {
    return this.active && this.owned.has(partition);
  }

  private get exhausted(): boolean {
    return this.failingSince !== undefined && Date.now() - this.failingSince > this.settings.giveUpAfter;
  }

  private get active(): boolean {
    return this.state === 'running' || this.state === 'starting';
  }

  async commit(offsets: readonly CommitOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    const consumer = this.consumer;
    if (!consumer) throw new Error(`group ${this.options.group}: not started`);
    await consumer.commitOffsets(
      offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })),
    );
  }

  private fail(error: Error): void {
    if (this.state === 'failed' || this.state === 'stopped') return;
    const stopping = this.state === 'stopping';
    this.state = 'failed';
    this.hosts.unknown();
    this.flow.pauseAll();
    this.joined.reject(error);
    if (!stopping) {
      this.logger.error({ err: error }, 'group consumer failed');
      this.options.handler.crashed(error);
    }
  }

  /**
   * Finishes what is delivered, lets the handler close its partitions and commit while this
   * member still belongs to the group, then leaves the group.
   */
  stop(): Promise<void> {
    if (!this.stopping) this.stopping = this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'stopped';
      return;
    }
    const failed = this.state === 'failed';
    if (!failed) this.state = 'stopping';
    clearInterval(this.reconciling);
    this.cancelReopen?.();
    this.hosts.unknown();
    this.flow.pauseAll();
    this.joined.reject(new Error(`group ${this.options.group}: stopped before joining`));
    await Promise.allSettled([...this.watchdog.batches.keys()]);
    await this.chain;
    const owned = [...this.owned].sort((a, b) => a - b);
    this.owned = new Set();
    if (owned.length > 0) {
      await this.options.handler.revoked(owned).catch((error: unknown) => {
        this.logger.error({ err: error }, 'closing partitions failed');
      });
    }
    await this.consumer?.disconnect().catch((error: unknown) => {
      this.logger.warn({ err: error }, 'consumer did not leave the group cleanly');
    });
    // A consumer still connecting or joining disconnects itself once kafkajs returns it.
    if (this.opening) await settlesWithin(this.opening, OPENING_GRACE_MS);
    clearInterval(this.watching);
    this.state = failed || (this.state as State) === 'failed' ? 'failed' : 'stopped';
  }
}
