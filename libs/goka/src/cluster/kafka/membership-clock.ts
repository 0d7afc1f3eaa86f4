import type { Consumer } from 'kafkajs';
import type { GroupMembership } from '../cluster.ts';

/**
 * When the coordinator last confirmed a kafkajs member: the send time of the latest heartbeat it
 * acknowledged, or of the SyncGroup request of the latest join. The send time, not the answer's
 * arrival: an answer read after a freeze says the member was alive before it froze, nothing more.
 */
export class MembershipClock implements GroupMembership {
  confirmedAt = 0;
  /** Send time of the latest Heartbeat / SyncGroup request answered (successfully or not). */
  private heartbeatSentAt = 0;
  private syncSentAt = 0;

  constructor(readonly sessionTimeoutMs: number) {}

  /**
   * Follows a consumer's heartbeats; `current()` is false once another consumer replaced it.
   * kafkajs reports a request (with its send time) as soon as its answer arrives, before it
   * parses the answer's error code; HEARTBEAT and GROUP_JOIN follow only on success. kafkajs
   * runs one heartbeat at a time (its own and keepAlive's share a promise), so the latest
   * answered Heartbeat request is the one HEARTBEAT reports.
   */
  follow(consumer: Consumer, current: () => boolean): void {
    consumer.on(consumer.events.REQUEST, ({ payload }) => {
      if (payload.apiName === 'Heartbeat') this.heartbeatSentAt = payload.sentAt;
      else if (payload.apiName === 'SyncGroup') this.syncSentAt = payload.sentAt;
    });
    consumer.on(consumer.events.HEARTBEAT, () => {
      if (current()) this.confirmed(this.heartbeatSentAt);
    });
  }

  /** The consumer's GROUP_JOIN: its SyncGroup was answered. */
  joined(): void {
    this.confirmed(this.syncSentAt);
  }

  private confirmed(sentAt: number): void {
    if (sentAt > this.confirmedAt) this.confirmedAt = sentAt;
  }
}
