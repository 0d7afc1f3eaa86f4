import { type RunningBroker, type StartBrokerOptions, startBroker } from './broker.ts';
import { type RunningCluster, type StartClusterOptions, startCluster } from './cluster.ts';
import { waitForCluster } from './readiness.ts';

/** `KAFKA_BROKERS=host:port[,host:port…]` -> `['host:port', …]`; undefined when unset or blank. */
export function parseBrokers(value: string | undefined): string[] | undefined {
  const brokers = (value ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  for (const broker of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(broker))
      throw new Error(`KAFKA_BROKERS entry "${broker}" is not host:port`);
  }
  return brokers.length > 0 ? brokers : undefined;
}

/** The brokers a test or service must use; throws a helpful error when nobody provided any. */
export function brokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const brokers = parseBrokers(env.KAFKA_BROKERS);
  if (!brokers) {
    throw new Error(
      'KAFKA_BROKERS is not set: run integration tests through `npm test` (or vitest with the infra/kafka global setup), ' +
        'or start a broker with `npm run kafka -- start` and export the address it prints.',
    );
  }
  return brokers;
}

export interface ProvidedKafka {
  brokers: string[];
  /** The broker started for this caller, or undefined when `KAFKA_BROKERS` pointed at a cluster. */
  broker: RunningBroker | undefined;
  /** Stops the broker if this call started one; a no-op for an external cluster. */
  stop(): Promise<void>;
}

/**
 * `KAFKA_BROKERS` set: that cluster is used (after checking it answers), nothing is started.
 * Otherwise a fresh throwaway broker (temp data dir, free port) tied to this process.
 */
export async function provideKafka(
  options: StartBrokerOptions & { env?: NodeJS.ProcessEnv; reachableTimeoutMs?: number } = {},
): Promise<ProvidedKafka> {
  const { env = process.env, reachableTimeoutMs = 30_000, ...startOptions } = options;
  const external = parseBrokers(env.KAFKA_BROKERS);
  if (external) {
    await waitForCluster(external, { timeoutMs: reachableTimeoutMs }).catch((error: Error) => {
      throw new Error(`KAFKA_BROKERS=${env.KAFKA_BROKERS} does not answer: ${error.message}`);
    });
    return { brokers: external, broker: undefined, stop: async () => {} };
  }
  const broker = await startBroker(startOptions);
  return { brokers: broker.brokers, broker, stop: () => broker.stop() };
}

/**
 * A throwaway cluster of `brokers` nodes for a test file that needs one (failover, replication):
 * always started here, whatever `KAFKA_BROKERS` says, because such a test kills, pauses and
 * restarts its nodes. Temp data dirs and loopback ports; call `stop()` in the file's teardown
 * (the nodes also die with this process).
 */
export async function provideKafkaCluster(
  options: { brokers: number } & Omit<StartClusterOptions, 'nodes'>,
): Promise<RunningCluster> {
  const { brokers, ...rest } = options;
  return startCluster({ ...rest, nodes: brokers });
}
