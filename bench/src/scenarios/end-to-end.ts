/**
 * 6 end-to-end: emit -> processor -> view 'update', at fixed offered rates.
 * The count processor (levelStorage) runs in a process of its own; this process holds the
 * Emitter and a View of the group table (memory store), as a service would. Messages are
 * offered on a 1 ms timer at each rate for a bounded time (offering stops early when more than
 * 5 s worth of messages are unanswered); latency is from each message's scheduled send time to
 * the view's update event for it (see latency.ts). Achieved is updates per second seen by the
 * view, from the first scheduled send to the last update.
 */

import { join } from 'node:path';
import { Emitter, json, memoryStorage, View } from '@showcase/goka';
import { gokaCluster, gokaUnavailable } from '../cluster.ts';
import { type BenchValue, benchValue, keyOf } from '../data.ts';
import { createTopics, rawKafka } from '../kafka.ts';
import { offer, UpdateProbe } from '../latency.ts';
import { uniqueName } from '../naming.ts';
import { exited, spawnNode, stopChild } from '../processes.ts';
import type { HostTask } from '../processor-host.ts';
import type { FigureSpec, Measurements, Scenario } from '../scenario.ts';
import { E2E_RATES } from '../sizes.ts';

const HOST = new URL('../processor-host.ts', import.meta.url).pathname;

async function startHost(task: HostTask) {
  const child = spawnNode(HOST, [JSON.stringify(task)]);
  const ready = new Promise<void>((resolve, reject) => {
    child.once('message', (message) =>
      message === 'ready' ? resolve() : reject(new Error(String(message))),
    );
    void exited(child).then(({ code, signal }) =>
      reject(new Error(`processor process exited (${signal ?? `code ${code}`}) before it was running`)),
    );
    setTimeout(() => reject(new Error('processor process not running after 60 s')), 60_000).unref();
  });
  try {
    await ready;
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return {
    async stop() {
      if (child.connected) child.send('stop');
      const timer = setTimeout(() => void stopChild(child), 30_000);
      await exited(child);
      clearTimeout(timer);
    },
  };
}

const figures: FigureSpec[] = E2E_RATES.flatMap((rate) => [
  {
    figure: `emit -> view update p50 at ${rate} msgs/s`,
    unit: 'ms',
    variant: 'goka',
    measure: `p50@${rate}`,
  },
  {
    figure: `emit -> view update p99 at ${rate} msgs/s`,
    unit: 'ms',
    variant: 'goka',
    measure: `p99@${rate}`,
  },
  {
    figure: `achieved at ${rate} msgs/s offered`,
    unit: 'msgs/s',
    variant: 'goka',
    measure: `achieved@${rate}`,
  },
]);

export const endToEnd: Scenario = {
  name: 'end-to-end',
  number: 6,
  title: 'end-to-end: emit -> processor (own process) -> view update, paced',
  fixtures: [],
  variants: [
    {
      name: 'goka',
      unavailable: gokaUnavailable,
      async run(ctx, _fixtures, rep, log) {
        const { keys, partitions, e2eMs } = ctx.sizes;
        const input = uniqueName(ctx, 'e2e', rep, 'input');
        const groupName = uniqueName(ctx, 'e2e', rep);
        await createTopics(rawKafka(ctx.brokers, 'bench-admin'), [{ name: input, partitions }]);
        const host = await startHost({
          brokers: ctx.brokers,
          group: groupName,
          input,
          storagePath: join(ctx.workDir, `e2e-${rep}`),
        });
        const cluster = gokaCluster(ctx.brokers, 'bench-e2e');
        const emitter = new Emitter<BenchValue>({ cluster, topic: input, codec: json<BenchValue>() });
        const view = new View({
          cluster,
          table: `${groupName}-table`,
          codec: json<number>(),
          storage: memoryStorage(),
        });
        let probe = new UpdateProbe();
        view.on('update', ({ key }) => probe.updated(key));
        const send = (i: number, scheduled: number) => {
          const key = keyOf(i * 7_919, keys);
          probe.sent(key, scheduled);
          emitter.emit(key, benchValue(i, key)).catch((error: unknown) => log(`emit failed: ${error}`));
        };
        try {
          await view.start();
          // Warm-up: connections, metadata, first fetches; not measured.
          await offer({ rate: 1_000, durationMs: 200, maxOutstanding: 1_000, outstanding: () => 0, send });
          if (!(await probe.drained(30_000))) throw new Error('warm-up messages never reached the view');
          const m: Measurements = {};
          for (const rate of E2E_RATES) {
            probe = new UpdateProbe();
            const offered = await offer({
              rate,
              durationMs: e2eMs,
              maxOutstanding: rate * 5,
              outstanding: () => probe.outstanding,
              send,
            });
            const drained = await probe.drained(30_000);
            const [p50, p99] = probe.samples.percentiles(50, 99);
            const achieved = (probe.count * 1000) / (probe.lastUpdateMs - offered.firstMs);
            log(
              `${rate} msgs/s offered: sent ${offered.sent}/${offered.scheduled}${offered.saturated ? ' (saturated)' : ''}, ` +
                `${drained ? 'all' : `${probe.count}`} updates seen; p50 ${p50!.toFixed(1)} ms, p99 ${p99!.toFixed(1)} ms, achieved ${Math.round(achieved)} msgs/s`,
            );
            m[`p50@${rate}`] = p50!;
            m[`p99@${rate}`] = p99!;
            m[`achieved@${rate}`] = achieved;
            m[`missing@${rate}`] = offered.scheduled - probe.count;
          }
          return m;
        } finally {
          await emitter.close();
          await view.stop();
          await cluster.close();
          await host.stop();
        }
      },
    },
  ],
  figures,
  parameters: (s) => ({
    offeredRates: E2E_RATES,
    durationPerRateMs: s.e2eMs,
    keys: s.keys,
    valueBytes: 100,
    partitions: s.partitions,
    processor: 'count per key, levelStorage, own process',
    view: 'memoryStorage, in the emitting process',
    latencyFrom: 'scheduled send time (no coordinated omission)',
  }),
  timeoutMs: (s) => 120_000 + s.e2eMs * E2E_RATES.length * 3,
};
