import {
  Base,
  type ClusterMetadata,
  type Connection,
  FetchIsolationLevels,
  type fetchV17,
  kGetApi,
  kGetConnection,
  kMetadata,
} from '@platformatic/kafka';

type FetchRequestTopic = fetchV17.FetchRequestTopic;
type FetchResponse = fetchV17.FetchResponse;

/** Where a topic's partitions are led, and the id Fetch v13+ names the topic by. */
export interface TopicLeaders {
  readonly topicId: string;
  /** Leader node id per partition (index = partition). */
  readonly leaders: readonly number[];
  /** Leader epoch per partition, for fencing a stale leader. */
  readonly epochs: readonly number[];
}

export interface FetchLimits {
  /** How long the broker may hold a fetch that finds nothing new. */
  readonly maxWaitMs: number;
  /** Bytes of the whole response (the broker returns at least one batch regardless). */
  readonly maxBytes: number;
}

/**
 * The low-level half of @platformatic/kafka a reader needs: metadata (topic ids, leaders) and
 * single Fetch requests at explicit offsets, isolation READ_COMMITTED, on this client's own
 * connections. It goes under `Consumer.fetch` on purpose: that method applies platformatic's
 * own read_committed filter, which keeps ONE aborted range per producer id (a producer's second
 * aborted transaction in one fetch replaces the first, whose records then pass) and keeps a range
 * whose abort marker lies beyond the response — both deliver aborted records. The records of the
 * raw response are filtered by read-committed-records.ts instead (the Java consumer's rule).
 *
 * No consumer group, no commits, no retries here: the reader's loop decides what an error means.
 */
export class FetchClient extends Base {
  /** Metadata of `topic`; `fresh` asks the broker instead of the cache (after a leader error). */
  topicLeaders(topic: string, fresh = false): Promise<TopicLeaders> {
    return new Promise((resolve, reject) => {
      this[kMetadata]({ topics: [topic], forceUpdate: fresh }, (error, metadata?: ClusterMetadata) => {
        if (error || !metadata) {
          reject(error ?? new Error(`no metadata for topic "${topic}"`));
          return;
        }
        const known = metadata.topics.get(topic);
        if (!known) {
          reject(new Error(`topic "${topic}" does not exist`));
          return;
        }
        resolve({
          topicId: known.id,
          leaders: known.partitions.map((p) => p.leader),
          epochs: known.partitions.map((p) => p.leaderEpoch),
        });
      });
    });
  }

  /**
   * One Fetch request to `node`. A response with partition errors rejects with platformatic's
   * ResponseError, which carries the whole parsed response (`partitionErrors` reads it).
   */
  fetchFrom(node: number, topics: FetchRequestTopic[], limits: FetchLimits): Promise<FetchResponse> {
    return new Promise((resolve, reject) => {
      const broker = this.currentMetadata?.brokers.get(node);
      if (!broker) {
        reject(new Error(`no broker with node id ${node} in the metadata`));
        return;
      }
      this[kGetConnection](broker, (error, connection?: Connection) => {
        if (error || !connection) {
          reject(error ?? new Error(`no connection to node ${node}`));
          return;
        }
        this[kGetApi]<unknown[], FetchResponse>('Fetch', (error, api) => {
          if (error || !api) {
            reject(error ?? new Error('the broker offers no Fetch API'));
            return;
          }
          api(
            connection,
            limits.maxWaitMs,
            1,
            limits.maxBytes,
            FetchIsolationLevels.READ_COMMITTED,
            0,
            -1,
            topics,
            [],
            '',
            (error: Error | null, response?: FetchResponse) => {
              if (error || !response) reject(error ?? new Error('empty fetch response'));
              else resolve(response);
            },
          );
        });
      });
    });
  }
}

/** The response a platformatic ResponseError carries (the partitions without errors are valid). */
export function responseOf(error: unknown): FetchResponse | undefined {
  if (typeof error !== 'object' || error === null || !('response' in error)) return undefined;
  const response = (error as { response?: unknown }).response;
  if (typeof response !== 'object' || response === null || !('responses' in response)) return undefined;
  return response as FetchResponse;
}
