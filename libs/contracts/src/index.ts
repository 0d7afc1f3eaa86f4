export {
  type BlockCommand,
  type BlockEvent,
  type BlockSource,
  type BlockState,
  spamBlockEvents,
  spamBlockTable,
  type UnblockCommand,
  type VerifyCommand,
} from './blocks.ts';
export {
  type Edge,
  type EdgeType,
  edgePairTable,
  edgeTypes,
  hasEdge,
  type Interaction,
  type InteractionType,
  interactions,
  interactionTypes,
  type MatchEvent,
  matchEvents,
  PAIR_SEPARATOR,
  type PairState,
  pairKey,
  pairRange,
  parsePairKey,
} from './interactions.ts';
export { type MessageSent, messagesSent } from './messages.ts';
export { type SegmentChanged, segmentChanges } from './segments.ts';
export { defineTopic, type TopicContract } from './topic.ts';
export {
  type Gender,
  genders,
  type Location,
  mutuallyCompatible,
  type Profile,
  type UserState,
  type UserUpdate,
  userTable,
  userUpdates,
} from './users.ts';
