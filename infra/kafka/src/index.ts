export { type RunningBroker, type StartBrokerOptions, startBroker, tailFile } from './broker.ts';
export {
  type ClusterNode,
  type RunningCluster,
  type StartClusterOptions,
  startCluster,
} from './cluster.ts';
export {
  busiestLeader,
  leaderCounts,
  type PartitionState,
  partitionStates,
  topicConfigValues,
  underReplicated,
  waitForInSync,
} from './cluster-health.ts';
export { isValidClusterId, newClusterId } from './cluster-id.ts';
export {
  type BrokerState,
  type DevBrokerStart,
  type DevBrokerStatus,
  devBrokerStatus,
  startDevBroker,
  stopDevBroker,
} from './dev-broker.ts';
export { ensureKafkaJars, type Log } from './maven.ts';
export { cacheDir } from './paths.ts';
export { replicationFor } from './properties.ts';
export {
  brokersFromEnv,
  type ProvidedKafka,
  parseBrokers,
  provideKafka,
  provideKafkaCluster,
} from './provide.ts';
export { type ClusterDescription, describeCluster, waitForCluster } from './readiness.ts';
export { MISSING_TOOLCHAIN_HINT, ToolchainError } from './toolchain.ts';
export { KAFKA_VERSION, LOG4J_VERSION } from './versions.ts';
