/**
 * `npm run kafka -- start|stop|status|fetch`: the local dev broker. `start` leaves it running in
 * the background after this command returns; `stop` ends it; `status` tells where it is.
 */
import { devBrokerStatus, startDevBroker, stopDevBroker } from './dev-broker.ts';
import { devClusterStatus, startDevCluster, stopDevCluster } from './dev-cluster.ts';
import { ensureKafkaJars } from './maven.ts';
import { parseBrokers } from './provide.ts';
import { ToolchainError } from './toolchain.ts';
import { KAFKA_VERSION } from './versions.ts';

const usage = `usage: npm run kafka -- <command>
  start    start the local Kafka ${KAFKA_VERSION} broker in the background (fetches the jars once)
           --brokers N: a KRaft cluster of N nodes instead (3: replication 3, min.insync 2)
  stop     stop it, and the cluster if one runs (SIGTERM, SIGKILL after 30 s)
  status   is it running, where, and does it answer
  fetch    only download the broker jars into the cache dir
env: KAFKA_PORT (broker port), KAFKA_CACHE_DIR (jars, state, data), KAFKA_BROKERS (use that cluster instead)`;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** `--brokers N` / `--brokers=N` among the arguments; 1 when absent. */
function brokersArgument(args: readonly string[]): number {
  const at = args.findIndex((a) => a === '--brokers' || a.startsWith('--brokers='));
  if (at < 0) return 1;
  const raw = args[at]!.includes('=') ? args[at]!.split('=')[1] : args[at + 1];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 9)
    throw new Error(`--brokers wants a number from 1 to 9, not "${raw}"`);
  return n;
}

async function startCluster(nodes: number): Promise<number> {
  const begun = Date.now();
  const { alreadyRunning, state } = await startDevCluster({ nodes });
  const address = state.brokers.join(',');
  if (alreadyRunning) {
    console.log(
      `A Kafka cluster of ${state.nodes.length} nodes is already running at ${address}: not starting another.`,
    );
  } else {
    console.log(
      `Kafka ${KAFKA_VERSION} cluster of ${nodes} nodes is running at ${address} (pids ${state.nodes.map((n) => n.pid).join(', ')}); ready ${seconds(Date.now() - begun)} after this command started.`,
    );
    console.log(`  data: ${state.dataDir}/node-<id>  (log: node-<id>/broker.log)`);
  }
  console.log(`Use it:   export KAFKA_BROKERS=${address}`);
  console.log('Stop it:  npm run kafka -- stop');
  return 0;
}

async function start(args: readonly string[]): Promise<number> {
  const nodes = brokersArgument(args);
  if (parseBrokers(process.env.KAFKA_BROKERS)) {
    console.log(
      `KAFKA_BROKERS=${process.env.KAFKA_BROKERS} is set, so that cluster is used: not starting a local broker.`,
    );
    console.log('Unset KAFKA_BROKERS to start the local one.');
    return 0;
  }
  if (nodes > 1) return startCluster(nodes);
  const begun = Date.now();
  const result = await startDevBroker({ detached: true });
  const { state } = result;
  const address = state.brokers.join(',');
  if (result.alreadyRunning) {
    console.log(`Kafka is already running at ${address} (pid ${state.pid}): not starting another.`);
  } else {
    console.log(
      `Kafka ${KAFKA_VERSION} is running at ${address} (pid ${state.pid}); ready ${seconds(Date.now() - begun)} after this command started.`,
    );
    console.log(`  data: ${state.dataDir}\n  log:  ${state.logFile}`);
  }
  console.log(`Use it:   export KAFKA_BROKERS=${address}`);
  console.log('Stop it:  npm run kafka -- stop');
  return 0;
}

async function stop(): Promise<number> {
  const begun = Date.now();
  const [result, cluster] = await Promise.all([stopDevBroker(), stopDevCluster()]);
  if (cluster.stopped) {
    const killed = cluster.how.filter((h) => h === 'killed').length;
    console.log(
      `Kafka cluster (${cluster.state.brokers.join(',')}) stopped in ${seconds(Date.now() - begun)}${killed ? ` (${killed} node(s) killed after SIGTERM)` : ''}.`,
    );
  }
  if (!result.stopped) {
    if (!cluster.stopped) console.log('No local Kafka broker is running.');
    return 0;
  }
  const how = result.how === 'exited' ? 'shut down cleanly' : 'did not stop on SIGTERM and was killed';
  console.log(
    `Kafka (pid ${result.state.pid}, ${result.state.brokers.join(',')}) ${how} in ${seconds(Date.now() - begun)}.`,
  );
  return 0;
}

async function clusterStatus(): Promise<number> {
  const result = await devClusterStatus();
  if (!result.running) return 0;
  const { state } = result;
  console.log(
    `Kafka cluster of ${state.nodes.length} nodes at ${state.brokers.join(',')}: ${result.alive.length} running (pids ${result.alive.map((n) => n.pid).join(', ')}).`,
  );
  if (result.cluster) {
    console.log(`  answers: cluster ${result.cluster.clusterId}, ${result.cluster.brokers.length} broker(s)`);
    console.log(`Use it:   export KAFKA_BROKERS=${state.brokers.join(',')}`);
    return 0;
  }
  console.log(`  does NOT answer: ${result.error}`);
  return 1;
}

async function status(): Promise<number> {
  const ofCluster = await clusterStatus();
  return Math.max(ofCluster, await brokerStatus());
}

async function brokerStatus(): Promise<number> {
  const result = await devBrokerStatus();
  if (!result.running) {
    console.log(
      `No local Kafka broker is running${result.staleStateRemoved ? ' (removed the state file of one that died)' : ''}.`,
    );
    if (process.env.KAFKA_BROKERS)
      console.log(`KAFKA_BROKERS=${process.env.KAFKA_BROKERS} is set and will be used.`);
    return 0;
  }
  const { state } = result;
  const uptime = seconds(Date.now() - Date.parse(state.startedAt));
  console.log(
    `Kafka ${state.kafkaVersion} is running at ${state.brokers.join(',')} (pid ${state.pid}, up ${uptime}).`,
  );
  console.log(`  data: ${state.dataDir}\n  log:  ${state.logFile}`);
  if (result.cluster) {
    console.log(`  answers: cluster ${result.cluster.clusterId}, ${result.cluster.brokers.length} broker(s)`);
    console.log(`Use it:   export KAFKA_BROKERS=${state.brokers.join(',')}`);
    return 0;
  }
  console.log(`  does NOT answer: ${result.error}`);
  return 1;
}

async function main(command: string | undefined, args: readonly string[]): Promise<number> {
  switch (command) {
    case 'start':
      return start(args);
    case 'stop':
      return stop();
    case 'status':
      return status();
    case 'fetch':
      console.log(`Broker jars in ${await ensureKafkaJars()}`);
      return 0;
    default:
      console.error(usage);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

main(process.argv[2], process.argv.slice(3)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof ToolchainError ? error.message : error);
    process.exitCode = 1;
  },
);
