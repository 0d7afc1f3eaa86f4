export { RecoveryAborted } from './abort.ts';
export type {
  Cluster,
  ClusterProducer,
  CommitOffset,
  ConsumedRecord,
  GroupConsumer,
  GroupConsumerOptions,
  GroupHandler,
  GroupHosts,
  GroupRoutingHooks,
  Headers,
  MemberInfo,
  OutgoingRecord,
  PartitionHosts,
  PartitionOffsets,
  PartitionReader,
  ReaderOptions,
  RecordMetadata,
  TopicSpec,
  TransactionalProducer,
} from './cluster/cluster.ts';
export { coPartitionedAssignment } from './cluster/cluster.ts';
export { KafkaCluster, type KafkaClusterOptions, kafkaCluster } from './cluster/kafka-cluster.ts';
export { MemoryCluster, type MemoryClusterOptions, memoryCluster } from './cluster/memory-cluster.ts';
export { bytes, type Codec, DecodeError, json, string } from './codec.ts';
export {
  type Callback,
  type Context,
  type InputEdge,
  input,
  type JoinEdge,
  join,
  type LookupEdge,
  type LoopbackEdge,
  lookup,
  loopback,
  type OutputEdge,
  output,
  type PersistEdge,
  persist,
} from './edges.ts';
export { Emitter, type EmitterOptions } from './emitter.ts';
export {
  deadLetterTopic,
  defineGroup,
  type Edge,
  type Group,
  GroupDefinitionError,
  loopTopic,
  tableTopic,
} from './group.ts';
export type { Logger } from './logger.ts';
export { murmur2, partitionFor } from './murmur2.ts';
export { groupOwnTopics, type OwnTopic } from './processor/group-topics.ts';
export type { PartitionState, PartitionStats } from './processor/partition-stats.ts';
export {
  type Guarantee,
  Processor,
  type ProcessorOptions,
  type ProcessorState,
  type ProcessorStats,
  type RoutingOptions,
} from './processor/processor.ts';
export type { ErrorPolicy } from './processor/runtime.ts';
export type { RecoverySnapshot } from './recovery-progress.ts';
export { NotLocal, type Owner } from './routing/owner.ts';
export {
  type TimerClock,
  type TimerContext,
  type TimerEdge,
  type TimerSchedule,
  timer,
  type VisitorEdge,
  visitor,
} from './schedule/edges.ts';
export type { PartitionVisit } from './schedule/partition-jobs.ts';
export type { VisitResult } from './schedule/visit-all.ts';
export { ManualClock, systemClock, type WallClock } from './schedule/wall-clock.ts';
export { levelStorage } from './storage/level-storage.ts';
export { memoryStorage } from './storage/memory-storage.ts';
export type { KeyRange, Storage, Store, StoreOp } from './storage/storage.ts';
export { TableMirror } from './table-mirror.ts';
export { createTester, Tester, type TesterOptions } from './tester/tester.ts';
export { type TrackedMessage, Tracker } from './tester/tracker.ts';
export {
  View,
  type ViewOptions,
  type ViewState,
  type ViewStats,
  ViewUnavailable,
  type ViewUpdate,
} from './view.ts';
export type { RowListener, RowSubscription } from './view-rows.ts';
export { type WindowEntry, type WindowRow, windowRowCodec } from './windows/window-row.ts';
export {
  hopping,
  tumbling,
  type Window,
  type WindowOptions,
  type WindowSpec,
  windowStarts,
} from './windows/window-spec.ts';
export {
  WindowedTable,
  type WindowedTableOptions,
  type WindowValue,
  windowedTable,
} from './windows/windowed-table.ts';
