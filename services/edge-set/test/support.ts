import { type Interaction, type InteractionType, interactions, matchEvents } from '@showcase/contracts';
import { createTester, memoryCluster, type Tester } from '@showcase/goka';
import { mintToken } from '@showcase/service-kit';
import type { IndexEntry } from '../src/model.ts';
import { indexGroup } from '../src/processors/edge-index.ts';
import { notifierGroup } from '../src/processors/notifier.ts';
import { pairsGroup } from '../src/processors/pairs.ts';
import { createEdgeSet } from '../src/service.ts';
import { notifications, tables } from '../src/topics.ts';

export const SECRET = 'edge-set-test-secret-0123456789-abcdef';
export const token = (user: string, admin = false) => mintToken({ secret: SECRET, user, admin });
export const auth = (user: string, admin = false) => ({ authorization: `Bearer ${token(user, admin)}` });

/** The whole service on a memory cluster, started, ready; `stop()` in afterEach. */
export async function startEdgeSet(env: Record<string, string> = {}, options: { listen?: boolean } = {}) {
  const cluster = memoryCluster({ partitions: 3 });
  const built = await createEdgeSet({
    cluster,
    env: { AUTH_SECRET: SECRET, LOG_LEVEL: 'silent', PORT: '0', PARTITIONS: '3', ...env },
  });
  const address = await built.service.start({ listen: options.listen ?? false });
  await built.service.whenReady(10_000);
  return { ...built, cluster, address };
}

let clock = 1_700_000_000_000;
let seq = 0;
/** An interaction one second after the previous one, with a fresh id. */
export function interaction(from: string, to: string, type: InteractionType, at?: number): Interaction {
  clock += 1000;
  seq += 1;
  return { id: `e${seq}`, from, to, type, at: at ?? clock };
}

/** The three groups on a tester, an index view, and trackers of the outputs. */
export async function startGroups(
  options: { partitions?: number; guarantee?: 'exactly-once' | 'at-least-once' } = {},
) {
  const tester: Tester = createTester({ partitions: options.partitions ?? 3 });
  const processing = { guarantee: options.guarantee ?? 'exactly-once', onError: 'dead-letter' } as const;
  const pairs = pairsGroup();
  const index = indexGroup();
  const notifier = notifierGroup();
  let processors = [
    await tester.processor(pairs, processing),
    await tester.processor(index, processing),
    await tester.processor(notifier, processing),
  ];
  /** Stops every group and starts it again: recovery from the changelog, committed offsets. */
  const restart = async () => {
    for (const p of processors) await p.stop();
    processors = [
      await tester.processor(pairs, processing),
      await tester.processor(index, processing),
      await tester.processor(notifier, processing),
    ];
  };
  const matches = tester.track(matchEvents.name, matchEvents.codec);
  const notes = tester.track(notifications.name, notifications.codec);
  const indexView = await tester.view<IndexEntry>(tables.index.name, tables.index.codec);
  const send = (event: Interaction) => tester.consume(interactions.name, event.from, event);
  return { tester, pairs, index, notifier, matches, notes, indexView, send, restart };
}
