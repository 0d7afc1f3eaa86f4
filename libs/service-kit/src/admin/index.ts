export { type DeadLetter, type GroupDeadLetters, readDeadLetters } from './dead-letters.ts';
export {
  type GroupStatus,
  groupStatuses,
  type PartitionStatus,
  RateMeter,
  type RecoveryStatus,
  recoveryStatus,
  type TopicPosition,
  type ViewStatus,
  viewStatuses,
} from './group-status.ts';
export { type LiveFeedOptions, runLiveFeed } from './live.ts';
export { type AdminSources, registerAdminRoutes } from './routes.ts';
export { describeGroup, describeTopology, type GroupTopology, type Topology } from './topology.ts';
