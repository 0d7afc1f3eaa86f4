import { describe, expect, it } from 'vitest';
import { defineGroup, Emitter, input, memoryCluster, Processor, persist, string } from '../src/index.ts';
import { until } from './support/gated-cluster.ts';

/** Busy for `ms` without giving the event loop a turn, like a callback with real work to do. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // burn
  }
}

/**
 * Runs 200 messages of 0.5 ms each that arrive as one batch, and counts how often a
 * setImmediate loop got a turn while the batch ran (seen by the callbacks).
 */
async function turnsDuringBatch(sliceMs: number): Promise<{ turns: number; processed: number }> {
  const cluster = memoryCluster({ partitions: 1, maxBatch: 1000 });
  let ticks = 0;
  let running = true;
  const tick = () => {
    ticks++;
    if (running) setImmediate(tick);
  };
  const seen: number[] = [];
  const group = defineGroup(
    'slices',
    persist(string()),
    input('work', string(), (ctx, m) => {
      spin(0.5);
      seen.push(ticks);
      ctx.setValue(m);
    }),
  );
  const emitter = new Emitter({ cluster, topic: 'work', codec: string() });
  // Written before the processor starts, so its first fetch delivers all 200 in one batch.
  await Promise.all(Array.from({ length: 200 }, (_, i) => emitter.emit(`k${i % 5}`, `m${i}`)));
  const processor = new Processor(group, { cluster, sliceMs });
  await processor.start();
  setImmediate(tick);
  try {
    await until(() => seen.length === 200, '200 messages processed', 20_000);
  } finally {
    running = false;
    await processor.stop();
    await emitter.close();
  }
  return { turns: seen[seen.length - 1]! - seen[0]!, processed: seen.length };
}

describe('sliceMs: a long batch lets the event loop run', () => {
  it('yields between slices of a batch (default 5 ms), and never inside one with 0', async () => {
    // 200 × 0.5 ms = 100 ms of callbacks: a turn about every 5 ms (checked every 8 messages).
    const sliced = await turnsDuringBatch(5);
    const whole = await turnsDuringBatch(0);
    expect(sliced.processed).toBe(200);
    expect(whole.processed).toBe(200);
    expect(sliced.turns).toBeGreaterThanOrEqual(5);
    expect(whole.turns).toBe(0);
  });
});
