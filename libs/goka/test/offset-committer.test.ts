import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { CommitOffset, GroupConsumer } from '../src/cluster/cluster.ts';
import { OffsetCommitter } from '../src/processor/offset-committer.ts';

/**
 * A commit kafkajs keeps retrying (the coordinator moved, the member must rejoin first) must not
 * hold a drain or a partition's restart: on the three-broker failover test whole groups stood
 * still behind one. The committer's own logic, so a consumer whose first commit never answers
 * stands in for the broker here; the failover test (e2e) is the real-broker side of it.
 */
function consumerWithStuckFirstCommit() {
  const sent: CommitOffset[][] = [];
  const consumer = {
    commit: (offsets: readonly CommitOffset[]) => {
      sent.push([...offsets]);
      return sent.length === 1 ? new Promise<void>(() => undefined) : Promise.resolve();
    },
  } as unknown as GroupConsumer;
  return { consumer, sent };
}

describe('OffsetCommitter', () => {
  it('settled() waits for the commit in flight, but not longer than its bound; later offsets go out anyway', async () => {
    const { consumer, sent } = consumerWithStuckFirstCommit();
    const committer = new OffsetCommitter(pino({ level: 'silent' }));
    committer.use(consumer);
    committer.committable('t', 0, 10);
    expect(sent).toEqual([[{ topic: 't', partition: 0, offset: 10 }]]);
    // Offsets that come while the stuck request is in flight wait for it…
    committer.committable('t', 1, 5);
    expect(sent).toHaveLength(1);
    const began = Date.now();
    await committer.settled(50);
    expect(Date.now() - began).toBeGreaterThanOrEqual(45);
    // …until settled() gave up on it: then they go out in a request of their own.
    expect(sent[1]).toEqual([{ topic: 't', partition: 1, offset: 5 }]);
    await committer.settled(50);
    committer.committable('t', 0, 12);
    expect(sent[2]).toEqual([{ topic: 't', partition: 0, offset: 12 }]);
  });

  it('settled() resolves at once when nothing is in flight, and with the answer when one comes', async () => {
    const committer = new OffsetCommitter(pino({ level: 'silent' }));
    await committer.settled(10_000);
    let answer!: () => void;
    committer.use({
      commit: () =>
        new Promise<void>((resolve) => {
          answer = resolve;
        }),
    } as unknown as GroupConsumer);
    committer.committable('t', 0, 1);
    const settled = committer.settled(10_000);
    answer();
    await settled;
  });
});
