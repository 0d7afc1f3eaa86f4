import type { Kafka } from 'kafkajs';

/**
 * kafkajs 2.2.4 looks the coordinator up (a FindCoordinator round trip) before every request of a
 * transaction: AddPartitionsToTxn, AddOffsetsToTxn, the group coordinator for TxnOffsetCommit,
 * EndTxn — four lookups for five requests, measured on edge-set under load (403 FindCoordinator
 * for 100 transactions, ~42 ms each on the loaded machine). The Java client keeps its coordinator
 * until a request says it moved. This does the same for the transactional producers: the node id
 * a lookup answered is kept; the broker is fetched from kafkajs' pool on each use (no round trip
 * while connected; a reconnect goes through the pool as before), and any failed request on it
 * other than CONCURRENT_TRANSACTIONS (NOT_COORDINATOR, a lost connection, …) forgets the entry, so
 * kafkajs' own retry looks the coordinator up again.
 */

/** An entry is looked up again after this long even without an error. */
const MAX_AGE_MS = 60_000;

interface Coordinator {
  readonly nodeId: number;
  readonly at: number;
}

/** The part of kafkajs' internal cluster this touches (not in its public types). */
interface InternalCluster {
  findGroupCoordinator(args: { groupId: string; coordinatorType?: number }): Promise<object>;
  findGroupCoordinatorMetadata(args: {
    groupId: string;
    coordinatorType?: number;
  }): Promise<{ coordinator: { nodeId: number } }>;
  findBroker(args: { nodeId: number }): Promise<object>;
}

const CREATE_CLUSTER = 'private:Kafka:createCluster';

/**
 * Runs `make` (which creates one kafkajs client synchronously, e.g. `kafka.producer(…)`) so that
 * the cluster kafkajs builds for that client caches its coordinators. When kafkajs' internals are
 * not what this expects, `make` runs unchanged.
 */
export function withCachedCoordinators<T>(kafka: Kafka, make: () => T): T {
  const holder = kafka as unknown as Record<symbol, unknown>;
  const key = Object.getOwnPropertySymbols(holder).find((s) => s.description === CREATE_CLUSTER);
  const original = key ? holder[key] : undefined;
  if (!key || typeof original !== 'function') return make();
  holder[key] = (options: unknown) => cacheCoordinators(original(options) as InternalCluster);
  try {
    return make();
  } finally {
    holder[key] = original;
  }
}

function cacheCoordinators(cluster: InternalCluster): InternalCluster {
  if (
    typeof cluster.findGroupCoordinatorMetadata !== 'function' ||
    typeof cluster.findBroker !== 'function'
  ) {
    return cluster;
  }
  const original = cluster.findGroupCoordinator.bind(cluster);
  const known = new Map<string, Coordinator>();
  cluster.findGroupCoordinator = async (args) => {
    const id = `${args.coordinatorType ?? 0}:${args.groupId}`;
    const cached = known.get(id);
    if (cached && Date.now() - cached.at < MAX_AGE_MS) {
      try {
        return forgetOnFailure(await cluster.findBroker({ nodeId: cached.nodeId }), () => known.delete(id));
      } catch {
        known.delete(id);
      }
    }
    const broker = await original(args);
    // kafkajs' lookup just answered; its node id is what the pool's broker carries.
    const nodeId = (broker as { nodeId?: unknown }).nodeId;
    if (typeof nodeId === 'number') known.set(id, { nodeId, at: Date.now() });
    return forgetOnFailure(broker, () => known.delete(id));
  };
  return cluster;
}

/** The broker, whose requests forget the cached coordinator when they fail for another reason than a busy transaction. */
function forgetOnFailure(broker: object, forget: () => void): object {
  return new Proxy(broker, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(target, args);
        if (result instanceof Promise) {
          return result.catch((error: unknown) => {
            if ((error as { type?: unknown }).type !== 'CONCURRENT_TRANSACTIONS') forget();
            throw error;
          });
        }
        return result;
      };
    },
  });
}
