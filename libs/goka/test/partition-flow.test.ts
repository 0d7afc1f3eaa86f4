import type { Consumer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { TopicAdmin } from '../src/cluster/kafka/admin.ts';
import { PartitionFlow } from '../src/cluster/kafka/partition-flow.ts';

const TOPICS = ['clicks', 'clicks-loop'];

/**
 * kafkajs' pause bookkeeping (pause/resume/paused, per topic-partition), with a switch that makes
 * calls throw as kafkajs does between two incarnations of its consumer group. Only the flow's own
 * logic is under test here; the broker behaviour that loses a call is not simulated beyond that.
 */
function pausable() {
  const pausedSet = new Set<string>();
  const state = { between: false };
  const each = (tps: { topic: string; partitions?: number[] }[], f: (key: string) => void) => {
    if (state.between) throw new Error('Consumer group was not initialized');
    for (const { topic, partitions } of tps) for (const p of partitions ?? [0, 1, 2, 3]) f(`${topic}/${p}`);
  };
  const consumer = {
    pause: (tps: { topic: string; partitions?: number[] }[]) => each(tps, (k) => pausedSet.add(k)),
    resume: (tps: { topic: string; partitions?: number[] }[]) => each(tps, (k) => pausedSet.delete(k)),
    paused: () => {
      const byTopic = new Map<string, number[]>();
      for (const k of pausedSet) {
        const [topic, p] = k.split('/') as [string, string];
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), Number(p)]);
      }
      return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
    },
  };
  const isPaused = (p: number) => TOPICS.every((t) => pausedSet.has(`${t}/${p}`));
  const isFetched = (p: number) => TOPICS.every((t) => !pausedSet.has(`${t}/${p}`));
  return { consumer: consumer as unknown as Consumer, state, pausedSet, isPaused, isFetched };
}

function flowOn(k: ReturnType<typeof pausable>, owned: Set<number>) {
  return new PartitionFlow(
    { group: 'g', topics: TOPICS, consumer: () => k.consumer, owns: (p) => owned.has(p) },
    {} as TopicAdmin,
  );
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('PartitionFlow.reconcile', () => {
  it('resumes a ready partition whose resume was lost between two kafkajs incarnations', async () => {
    const k = pausable();
    const owned = new Set([0, 1]);
    const flow = flowOn(k, owned);
    flow.arrived([0, 1], true);
    expect(k.isPaused(0) && k.isPaused(1)).toBe(true);
    k.state.between = true; // the resume of partition 0 lands while kafkajs restarts its group
    flow.resumeWhenReady(0, Promise.resolve(), false, () => undefined);
    await tick();
    k.state.between = false;
    expect(k.isPaused(0)).toBe(true); // lost: partition 0 would never be fetched again
    flow.resumeWhenReady(1, new Promise(() => undefined), false, () => undefined); // still recovering
    expect(flow.reconcile(owned)).toEqual([0]);
    expect(k.isFetched(0)).toBe(true);
    expect(k.isPaused(1)).toBe(true); // not ready yet: stays held
    expect(flow.reconcile(owned)).toEqual([]); // nothing left to set right
  });

  it('does not resume a partition held for a restart, even when kafkajs forgot its pause', async () => {
    const k = pausable();
    const owned = new Set([2]);
    const flow = flowOn(k, owned);
    flow.arrived([2], true);
    flow.resumeWhenReady(2, Promise.resolve(), false, () => undefined);
    await tick();
    expect(k.isFetched(2)).toBe(true);
    flow.pause(2); // the handler restarts the partition
    expect(flow.reconcile(owned)).toEqual([]);
    expect(k.isPaused(2)).toBe(true);
    flow.resume(2);
    expect(k.isFetched(2)).toBe(true);
    expect(flow.reconcile(owned)).toEqual([]);
  });

  it('leaves partitions it does not own alone, and forgets revoked ones', async () => {
    const k = pausable();
    const owned = new Set([0, 3]);
    const flow = flowOn(k, owned);
    flow.arrived([0, 3], true);
    owned.delete(3);
    flow.forget([3]);
    // 3 is no longer ours: a stale pause of it is kafkajs' business until it comes back.
    expect(flow.reconcile(owned)).toEqual([]);
    expect(k.isPaused(3)).toBe(true);
    owned.add(3);
    flow.arrived([3], true);
    flow.resumeWhenReady(3, Promise.resolve(), false, () => undefined);
    await tick();
    expect(k.isFetched(3)).toBe(true);
  });
});
