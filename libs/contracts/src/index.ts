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
export { type MessageSent, messagesSent } from './messages.ts';
export { defineTopic, type TopicContract } from './topic.ts';
