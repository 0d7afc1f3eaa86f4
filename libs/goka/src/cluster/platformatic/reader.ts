import type { fetchV17 } from '@platformatic/kafka';
import type { RetryOptions } from 'kafkajs';
import type { Logger } from '../../logger.ts';
import type { ConsumedRecord, PartitionOffsets, PartitionReader, ReaderOptions } from '../cluster.ts';
import { asError } from '../kafka/consumer-upkeep.ts';
import { retrySchedule } from './producer.ts';
import { committedRecords } from './read-committed-records.ts';
import { FetchClient, responseOf } from './reader-fetch-client.ts';

type FetchRequestTopic = fetchV17.FetchRequestTopic;
type FetchResponse = fetchV17.FetchResponse;

export interface PlatformaticReaderSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** How long the broker may hold a fetch that finds nothing new (latency of a live follower). */
  readonly maxWaitMs: number;
  /** Bytes of one partition in one fetch response. */
  readonly partitionMaxBytes: number;
  /** Bytes of a whole fetch response. */
  readonly maxBytes: number;
  /** The cluster's connect/retry budget: how fast to try again after a failed fetch. */
  readonly retry: RetryOptions;
  /** The partitions' low and high marks (start clamping, and where to go after OFFSET_OUT_OF_RANGE). */
  readonly offsets: (topic: string) => Promise<PartitionOffsets[]>;
  readonly logger: Logger;
}

/** One followed partition: where the next fetch starts and the deliveries not yet done. */
interface Followed {
  readonly partition: number;
  /** Next offset to fetch; deliveries queued behind `queue` end there. */
  position: number;
  /** Deliveries queued or running. */
  pending: number;
  queue: Promise<void>;
  /** Its callback threw: nothing more is fetched or delivered for it. */
  broken: boolean;
  /** The broker said OFFSET_OUT_OF_RANGE: look the log's marks up before fetching again. */
  outOfRange: boolean;
  /** Bytes asked for this partition: the setting, doubled while its batches do not fit. */
  limit: number;
}

// Kafka error codes a reader answers by looking the leader up again (and waiting a little).
const STALE_LEADER = new Set([3, 5, 6, 56, 74, 75, 78, 100]);
const OFFSET_OUT_OF_RANGE = 1;
/** Deliveries a partition may have queued and still be fetched for (one running, one waiting). */
const PIPELINE = 2;

/**
 * `PartitionReader` on @platformatic/kafka's Fetch: no consumer group, no rebalance protocol — one
 * client of its own (its own connections, so a live follower's long poll never queues another
 * reader's fetch behind it) sends Fetch requests for exactly its partitions at exactly its
 * positions, isolation READ_COMMITTED, and filters aborted transactions itself
 * (read-committed-records.ts). A fetch of the next records goes out while the previous batch is
 * still in the callback (a store write, say): fetching and storing overlap, and at most two
 * fetched batches of a partition are held at a time. Fetches are small (64 KiB a partition by
 * default): what a reader holds then dies young in V8's new space, which made recovery leaner and
 * faster than 1 MiB fetches; a partition whose record batches are larger gets a doubled limit. A partition whose callback is slower is
 * simply left out of fetches until it catches up; the others read on.
 *
 * Errors never end the loop while the reader is wanted: a lost broker, a moved leader, a
 * restart — it looks the leaders up again and retries on the cluster's schedule (capped at 5 s).
 * OFFSET_OUT_OF_RANGE moves the partition to the log start when it fell behind it (records
 * deleted or compacted away while it was away), or to the high-water mark when the log was
 * truncated behind it; both are logged as warnings. `stop()` closes the client at once (a fetch in
 * flight is abandoned) and resolves once a delivery in progress has finished.
 */
export class PlatformaticPartitionReader implements PartitionReader {
  private readonly client: FetchClient;
  private readonly followed = new Map<number, Followed>();
  private readonly logger: Logger;
  private readonly name: string;
  private started = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Resolves the loop's wait for a partition to have room again (any delivery finished). */
  private roomAgain: (() => void) | undefined;
  /** Fetch rounds so far: which partition leads the next request. */
  private rounds = 0;
  private readonly delay: (attempt: number) => number;

  constructor(
    private readonly options: ReaderOptions,
    private readonly settings: PlatformaticReaderSettings,
  ) {
    this.name = options.name ?? options.topic;
    this.logger = settings.logger.child({ reader: this.name, topic: options.topic });
    this.client = new FetchClient({
      clientId: settings.clientId,
      bootstrapBrokers: [...settings.brokers],
      connectTimeout: 3_000,
      // The loop retries; a single metadata or connection attempt fails fast into it.
      retries: 0,
      // A long-polled fetch is held maxWaitMs by the broker: allow for that and a slow broker.
      requestTimeout: settings.maxWaitMs + 30_000,
    });
    const schedule = retrySchedule(settings.retry);
    this.delay = (attempt) => Math.min(5_000, schedule(this.client, 'fetch', attempt));
  }

  async start(): Promise<void> {
    if (this.started) throw new Error(`reader ${this.name}: started twice`);
    this.started = true;
    const { topic, partitions } = this.options;
    if (partitions.length === 0) return;
    const offsets = await this.settings.offsets(topic);
    const low = new Map(offsets.map((o) => [o.partition, o.low]));
    for (const { partition, from } of partitions) {
      const l = low.get(partition);
      if (l === undefined) throw new Error(`topic "${topic}" has no partition ${partition}`);
      this.followed.set(partition, {
        partition,
        position: Math.max(from, l),
        pending: 0,
        queue: Promise.resolve(),
        broken: false,
        outOfRange: false,
        limit: this.settings.partitionMaxBytes,
      });
    }
    if (this.stopped) return;
    // The topic's id and leaders: a reader that cannot learn them fails its start, visibly.
    try {
      await this.client.topicLeaders(topic);
    } catch (error) {
      if (this.stopped) return; // stop() closed the client meanwhile: not a failure
      throw error;
    }
    if (this.stopped) return;
    this.loop = this.follow();
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.roomAgain?.();
    this.stopping ??= (async () => {
      await this.client.close().catch(() => undefined);
      await this.loop;
      await Promise.all([...this.followed.values()].map((f) => f.queue));
    })();
    return this.stopping;
  }

  /** Fetches and hands out until stopped; never rejects. */
  private async follow(): Promise<void> {
    let failures = 0;
    let freshLeaders = false;
    while (!this.stopped) {
      const due = [...this.followed.values()].filter((f) => !f.broken && f.pending < PIPELINE);
      if (due.length === 0) {
        const live = [...this.followed.values()].filter((f) => !f.broken);
        if (live.length === 0) return; // every callback failed: nothing left to follow
        // Wait for one delivery, not for a whole queue: the next fetch overlaps the one after.
        await new Promise<void>((resolve) => {
          this.roomAgain = resolve;
        });
        this.roomAgain = undefined;
        continue;
      }
      try {
        if (due.some((f) => f.outOfRange)) await this.resetOutOfRange(due);
        const outcome = await this.fetchRound(due, freshLeaders);
        freshLeaders = outcome.staleLeaders;
        if (outcome.staleLeaders) await this.pause(this.delay(1));
        failures = 0;
      } catch (error) {
        if (this.stopped) return;
        failures++;
        freshLeaders = true;
        const wait = this.delay(failures);
        this.logger.warn(
          { err: asError(error), attempt: failures, retryInMs: wait },
          'reader fetch failed; retrying',
        );
        await this.pause(wait);
      }
    }
  }

  /** One Fetch per leader of the due partitions; each response is handed out as it arrives. */
  private async fetchRound(
    due: readonly Followed[],
    freshLeaders: boolean,
  ): Promise<{ staleLeaders: boolean }> {
    const { topicId, leaders } = await this.client.topicLeaders(this.options.topic, freshLeaders);
    const byNode = new Map<number, Followed[]>();
    for (const f of due) {
      const node = leaders[f.partition];
      if (node === undefined || node < 0) throw new Error(`partition ${f.partition} has no leader`);
      const list = byNode.get(node);
      if (list) list.push(f);
      else byNode.set(node, [f]);
    }
    let staleLeaders = false;
    const round = this.rounds++;
    await Promise.all(
      [...byNode].map(async ([node, list]) => {
        // The broker fills a response in request order and returns a batch larger than the
        // partition limit only for the first partition: every partition leads in turn, so none
        // starves behind busier ones and a batch above the limit always gets through.
        const lead = round % list.length;
        const partitions = [...list.slice(lead), ...list.slice(0, lead)];
        const request: FetchRequestTopic[] = [
          {
            topicId,
            partitions: partitions.map((f) => ({
              partition: f.partition,
              fetchOffset: BigInt(f.position),
              partitionMaxBytes: f.limit,
              currentLeaderEpoch: -1,
              lastFetchedEpoch: -1,
            })),
          },
        ];
        let response: FetchResponse;
        try {
          response = await this.client.fetchFrom(node, request, this.settings);
        } catch (error) {
          // Partition errors: the response is complete, the other partitions' records are valid.
          const partial = responseOf(error);
          if (!partial) throw error;
          response = partial;
        }
        if (this.stopped) return;
        if (this.handOut(response)) staleLeaders = true;
      }),
    );
    return { staleLeaders };
  }

  /** Queues each partition's committed records; true when a partition's leader has moved. */
  private handOut(response: FetchResponse): boolean {
    let staleLeaders = false;
    for (const topic of response.responses) {
      for (const p of topic.partitions) {
        const f = this.followed.get(p.partitionIndex);
        if (!f || f.broken) continue;
        if (p.errorCode === OFFSET_OUT_OF_RANGE) {
          f.outOfRange = true;
          continue;
        }
        if (p.errorCode !== 0) {
          if (STALE_LEADER.has(p.errorCode)) staleLeaders = true;
          else this.logger.warn({ partition: f.partition, errorCode: p.errorCode }, 'fetch error; retrying');
          continue;
        }
        if (!p.records) continue;
        if (p.records.length === 0) {
          // Bytes but no whole batch: its next batch is larger than the limit (a changelog
          // written in big batches). The broker hands such a batch only to the request's first
          // partition; asking for more gets it here too, and keeps getting the next ones.
          f.limit = Math.min(f.limit * 2, this.settings.maxBytes);
          continue;
        }
        const from = f.position;
        const { records, next } = committedRecords(
          this.options.topic,
          f.partition,
          p.records,
          p.abortedTransactions,
          from,
        );
        if (next <= from) continue;
        f.position = next;
        this.deliver(f, records, next, Number(p.highWatermark));
      }
    }
    return staleLeaders;
  }

  /** Queues a delivery behind the partition's earlier ones; the queue never rejects. */
  private deliver(
    f: Followed,
    records: readonly ConsumedRecord[],
    next: number,
    highWatermark: number,
  ): void {
    f.pending++;
    f.queue = f.queue.then(async () => {
      try {
        if (this.stopped || f.broken) return;
        await this.options.onBatch(f.partition, records, next, highWatermark);
      } catch (error) {
        // The user already knows (it threw); stop feeding this partition, like the kafkajs reader.
        f.broken = true;
        this.logger.error(
          { err: asError(error), partition: f.partition },
          'reader callback failed; partition no longer followed',
        );
      } finally {
        f.pending--;
        this.roomAgain?.();
      }
    });
  }

  /** Moves partitions the broker called out of range into the log, once their deliveries are done. */
  private async resetOutOfRange(due: readonly Followed[]): Promise<void> {
    const marks = new Map((await this.settings.offsets(this.options.topic)).map((o) => [o.partition, o]));
    for (const f of due) {
      if (!f.outOfRange) continue;
      const m = marks.get(f.partition);
      if (!m) continue;
      const position = f.position < m.low ? m.low : Math.min(f.position, m.high);
      this.logger.warn(
        { partition: f.partition, position: f.position, low: m.low, high: m.high, now: position },
        f.position < m.low
          ? 'reader fell behind the log start (records deleted); continuing at the start'
          : 'the log was truncated behind the reader; continuing at its end',
      );
      f.position = position;
      f.outOfRange = false;
    }
  }

  private pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
