/**
 * What other packages reuse of the anti-spam simulator (the platform simulator's population):
 * `@showcase/anti-spam/sim`. Not part of the service's build: sim/ runs from sources only.
 */
export { type BlatantKind, hamText, replyText, spamText } from './content.ts';
export { type FriendGraph, friendCircles } from './friend-circles.ts';
export { SPAMMER_KINDS, type SpamAccount, type SpammerKind, SpamPlanner, spamAccounts } from './spammers.ts';
