import { defineGroup, input, json, persist } from '@showcase/goka';
import type { BenchValue } from './data.ts';

/** The stateful workload of scenarios 3 and 6: count the messages of every key in the group table. */
export function countGroup(name: string, topic: string, onMessage?: () => void) {
  return defineGroup(
    name,
    persist(json<number>()),
    input(topic, json<BenchValue>(), (ctx) => {
      ctx.setValue((ctx.value() ?? 0) + 1);
      onMessage?.();
    }),
  );
}
