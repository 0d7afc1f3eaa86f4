import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { deferred } from '../../deferred.ts';
import type { Logger } from '../../logger.ts';
import type { CommitOffset, GroupConsumer, GroupConsumerOptions } from '../cluster.ts';
import type { TopicAdmin } from './admin.ts';
import { coPartitionedAssigner } from './assigners.ts';
import {
  asError,
  keepAlive,
  OPENING_GRACE_MS,
  openWhileWanted,
  REOPEN_DELAY_MS,
  reopenLater,
  settlesWithin,
} from './consumer-upkeep.ts';
import { toConsumedRecord } from './records.ts';

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

/**
 * A processor's membership in its consumer group, on kafkajs (classic protocol, eager
 * rebalancing: every member gives up everything and rejoins).
 *
 * The handoff of a partition during a rebalance. kafkajs has no "partitions revoked" callback
 * and rejoins as soon as a heartbeat reports the rebalance, which it checks after each batch;
 * afterwards a commit of the old generation is rejected. So the work is made finished *before*
 * kafkajs can rejoin: `eachBatch` hands the batch to the handler, then waits for
 * `handler.drain(partition)` — every effect of the batch acknowledged and its offsets
 * committed — before it returns. kafkajs runs the batches of one fetch together and rejoins
 * only once all of them returned (the fetcher awaits its whole worker queue first), so when it
 * rejoins, everything this member processed is committed, still with its valid generation
 * (the coordinator accepts commits of the current generation while it waits for members to
 * rejoin). The next owner starts exactly where this one stopped. The revocation itself is
 * then reported to the handler after the join, from the assignment diff; by then there is
 * nothing left to finish.
 *
 * A partition that arrives is paused until `handler.ready(partition)` (its table recovered):
 * recovery may take long, and an `eachBatch` blocked on it would also block heartbeats and the
 * next rebalance. Long batches send heartbeats themselves, since kafkajs only sends them
 * between batches.
 */
export class KafkaGroupConsumer implements GroupConsumer {
  private consumer: Consumer | undefined;
  private state: State = 'idle';
  /** What the handler was told it owns (assigned and not revoked), as of the latest join. */
  private owned = new Set<number>();
  /** handler.assigned/revoked, strictly in the order the group dictated them. */
  private chain: Promise<void> = Promise.resolve();
  private readonly batches = new Set<Promise<void>>();
  /** Per partition, which assignment resumed it last: a late readiness must not resume a newer one. */
  private readonly epochs = new Map<number, number>();
  private epoch = 0;
  /** Partitions the handler paused (`pause`) and has not resumed yet. */
  private readonly held = new Set<number>();
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
  /**
   * When the coordinator last confirmed this membership: the send time of the latest heartbeat it
   * acknowledged, or of the SyncGroup request of the latest join. The send time, not the answer's
   * arrival: an answer read after a freeze says the member was alive before it froze, nothing more.
   */
  readonly membership: { confirmedAt: number; readonly sessionTimeoutMs: number };
  /** Send time of the latest Heartbeat / SyncGroup request answered (successfully or not). */
  private heartbeatSentAt = 0;
  private syncSentAt = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: GroupConsumerOptions,
    private readonly settings: ConsumerSettings,
    logger: Logger,
    /** Reads committed offsets for `refetchOffsetsWhenReady` and `seekToCommitted`. */
    private readonly admin: TopicAdmin,
  ) {
    this.logger = logger.child({ consumerGroup: options.group });
    this.membership = { confirmedAt: 0, sessionTimeoutMs: settings.sessionTimeout };
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
    await this.joined.promise;
  }

  /** A kafkajs consumer in the group; a new one replaces it when kafkajs gave up. */
  private async open(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.options.group,
      partitionAssigners: [coPartitionedAssigner(() => [...this.owned])],
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
    // kafkajs reports a request (with its send time) as soon as its answer arrives, before it
    // parses the answer's error code; HEARTBEAT and GROUP_JOIN follow only on success. kafkajs
    // runs one heartbeat at a time (its own and keepAlive's share a promise), so the latest
    // answered Heartbeat request is the one HEARTBEAT reports.
    consumer.on(consumer.events.REQUEST, ({ payload }) => {
      if (payload.apiName === 'Heartbeat') this.heartbeatSentAt = payload.sentAt;
      else if (payload.apiName === 'SyncGroup') this.syncSentAt = payload.sentAt;
    });
    consumer.on(consumer.events.HEARTBEAT, () => {
      if (this.consumer === consumer) this.confirmed(this.heartbeatSentAt);
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      if (this.consumer !== consumer) return;
      this.confirmed(this.syncSentAt);
      this.onJoin(payload.memberAssignment, payload.memberId);
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
          eachBatch: (payload) => this.eachBatch(payload),
        }),
    });
  }

  private confirmed(sentAt: number): void {
    if (sentAt > this.membership.confirmedAt) this.membership.confirmedAt = sentAt;
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
      this.pauseAll();
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
    for (const p of revoked) this.held.delete(p);
    this.failingSince = undefined;
    const { handler } = this.options;
    if (added.length > 0 && handler.ready) this.pauseConsumer(added);
    for (const p of added) this.epochs.set(p, ++this.epoch);
    this.logger.debug({ partitions: [...next], added, revoked }, 'joined the group');
    this.chain = this.chain
      .then(async () => {
        if (revoked.length > 0) await handler.revoked(revoked);
        if (added.length > 0) await handler.assigned(added);
        this.joined.resolve();
        for (const p of added) this.resumeWhenReady(p, this.epochs.get(p)!);
      })
      .catch((error: unknown) => this.fail(asError(error)));
  }

  /** Resumes a partition that arrived once the handler says it is ready. */
  private resumeWhenReady(partition: number, epoch: number): void {
    const { handler } = this.options;
    if (!handler.ready) return;
    const current = () => this.epochs.get(partition) === epoch && this.owned.has(partition) && this.active;
    handler.ready(partition).then(
      async () => {
        if (!current()) return;
        // kafkajs read the committed offsets at the generation's first fetch, before `ready`
        // fenced the previous owner; read them again now and start there.
        if (this.options.refetchOffsetsWhenReady) {
          try {
            await this.seekCommitted(partition);
          } catch (error) {
            this.fail(asError(error));
            return;
          }
          if (!current()) return;
        }
        this.resumeConsumer(partition);
      },
      () => undefined, // a partition that cannot get ready fails the processor through its own path
    );
  }

  pause(partition: number): void {
    if (!this.accepts(partition)) return;
    this.held.add(partition);
    // A readiness of the partition's assignment still pending must not resume it now.
    this.epochs.set(partition, ++this.epoch);
    this.pauseConsumer([partition]);
  }

  async seekToCommitted(partition: number): Promise<void> {
    if (!this.held.has(partition)) return;
    await this.seekCommitted(partition);
  }

  resume(partition: number): void {
    if (!this.held.delete(partition) || !this.accepts(partition)) return;
    this.resumeConsumer(partition);
  }

  /**
   * Seeks every subscribed topic of the partition to its committed offset. A topic with nothing
   * committed starts at its log start (the subscription reads from the beginning); kafkajs' own
   * position may lie past records that a batch abandoned by a pause had consumed.
   */
  private async seekCommitted(partition: number): Promise<void> {
    let committed: Map<string, number>;
    try {
      committed = await this.admin.committedOffsets(this.options.group, this.options.topics, partition);
      for (const topic of this.options.topics) {
        if (committed.has(topic)) continue;
        const low = (await this.admin.offsets(topic)).find((o) => o.partition === partition)?.low;
        if (low !== undefined) committed.set(topic, low);
      }
    } catch (error) {
      throw new Error(`group ${this.options.group}: cannot read committed offsets`, { cause: error });
    }
    for (const [topic, offset] of committed) {
      try {
        this.consumer?.seek({ topic, partition, offset: String(offset) });
      } catch {
        // between incarnations: the next join reads the offsets anew
      }
    }
  }

  private resumeConsumer(partition: number): void {
    try {
      this.consumer?.resume(this.options.topics.map((topic) => ({ topic, partitions: [partition] })));
    } catch {
      // kafkajs is between incarnations (crash restart); the next join pauses and resumes anew
    }
  }

  /**
   * kafkajs crashed. What this member owned is lost either way: its uncommitted work will be
   * processed again by the next owner (maybe this member, as a new one). With `restart` kafkajs
   * rebuilds its consumer and rejoins. Without, it gave up; most such errors come from the broker
   * side and pass (a long outage, a coordinator not found right after a restart), so a new
   * consumer takes over. Either way only until crashes have lasted longer than `giveUpAfter`
   * without a successful join: then the processor fails, visibly.
   */
  private onCrash(error: Error, restart: boolean): void {
    if (!this.active) return;
    const lost = [...this.owned].sort((a, b) => a - b);
    this.owned = new Set();
    this.held.clear();
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
      consumer: this.consumer,
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
    const work = this.deliver(payload);
    this.batches.add(work);
    return work.finally(() => this.batches.delete(work));
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

  private async deliver({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    const { partition } = batch;
    // A rebalance is noticed again by kafkajs after the batch.
    const stopHeartbeats = keepAlive(heartbeat, this.settings.heartbeatInterval);
    try {
      await this.chain; // the handler knows about the partition
      // Returning without resolving leaves the records to be fetched again by the next owner.
      if (!this.accepts(partition)) return;
      const records = batch.messages.map((m) => toConsumedRecord(batch.topic, partition, m));
      const { handler } = this.options;
      await handler.batch(partition, records);
      // Paused by the handler meanwhile: the batch stays unresolved, to be read again.
      if (this.held.has(partition)) return;
      const last = batch.messages[batch.messages.length - 1]!.offset;
      // kafkajs resolves the markers after the last record with it (its lastOffset() counts them).
      resolveOffset(last);
      const passed = Number(batch.lastOffset()) + 1;
      if (passed > Number(last) + 1) handler.passed?.(batch.topic, partition, passed);
      await handler.drain?.(partition);
    } catch (error) {
      // The batch is left unresolved. Never rethrow into kafkajs: it retries the batch,
      // crashes, restarts on the same record and loops forever. A failing handler fails the
      // processor instead (its error policy already decided that this error stops it).
      this.fail(asError(error));
    } finally {
      stopHeartbeats();
    }
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
    this.pauseAll();
    this.joined.reject(error);
    if (!stopping) {
      this.logger.error({ err: error }, 'group consumer failed');
      this.options.handler.crashed(error);
    }
  }

  private pauseConsumer(partitions: readonly number[]): void {
    try {
      this.consumer?.pause(this.options.topics.map((topic) => ({ topic, partitions: [...partitions] })));
    } catch {
      // not running (yet): nothing to pause
    }
  }

  private pauseAll(): void {
    try {
      this.consumer?.pause(this.options.topics.map((topic) => ({ topic })));
    } catch {
      // not running (yet): nothing to pause
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
    this.cancelReopen?.();
    this.pauseAll();
    this.joined.reject(new Error(`group ${this.options.group}: stopped before joining`));
    await Promise.allSettled([...this.batches]);
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
    this.state = failed || (this.state as State) === 'failed' ? 'failed' : 'stopped';
  }
}
