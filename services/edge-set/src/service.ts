import {
  type BuiltService,
  buildService,
  defineService,
  definitionTopics,
  processed,
  routedTable,
  type ServiceHost,
} from '@showcase/service-kit';
import { DEFAULT_PORT, edgeSetEnv } from './config.ts';
import type { PairRow } from './model.ts';
import { indexGroup } from './processors/edge-index.ts';
import { notifierGroup } from './processors/notifier.ts';
import { pairsGroup } from './processors/pairs.ts';
import type { EdgeSetRouted, EdgeSetTables, EdgeSetWrites } from './routes/deps.ts';
import { interactionRoutes } from './routes/interactions.ts';
import { listRoutes } from './routes/lists.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { relationRoutes } from './routes/relations.ts';
import { edgeSetTopology, type Topology } from './topics.ts';

/**
 * edge-set, declared: three groups (pairs → index, notifier), two views, the pairs table read
 * through its owner (routed: each instance holds only the pairs partitions it owns), one
 * emitter, four resources. Every topic it touches is derived from these (service-kit `definitionTopics`).
 * `edgeSetService(topology(prefix))` gives a benchmark its own copies of every name.
 */
export function edgeSetService(t: Topology = edgeSetTopology) {
  return defineService({
    name: 'edge-set',
    port: DEFAULT_PORT,
    description: 'The interaction graph: likes, passes, visits, messages, blocks and matches between users',
    env: edgeSetEnv,
    groups: (config) => {
      // A record that is not a valid interaction goes to the group's dead-letter topic; the stream goes on.
      const processing = { guarantee: config.GUARANTEE, onError: 'dead-letter' } as const;
      return {
        pairs: processed(pairsGroup(t), processing),
        index: processed(indexGroup(t), processing),
        notifier: processed(notifierGroup(t), processing),
      };
    },
    views: () => ({
      index: t.tables.index,
      notifications: t.tables.notifications,
    }),
    routed: () => ({ pairs: routedTable<PairRow>('pairs') }),
    emitters: () => ({ interactions: t.interactions }),
    routes: [interactionRoutes, listRoutes, relationRoutes, notificationRoutes],
  });
}

/** The service main.ts runs: the contract's names. */
export const edgeSet = edgeSetService();

export interface EdgeSetOptions extends ServiceHost {
  /** Topic and group names; default the contract's (`topology(prefix)` for benchmarks). */
  readonly topology?: Topology;
}

export type EdgeSet = BuiltService<
  typeof edgeSetEnv,
  EdgeSetTables,
  EdgeSetWrites,
  'pairs' | 'index' | 'notifier',
  unknown,
  EdgeSetRouted
>;

/** The whole service on a given cluster (tests, benches); `service.start()` runs it. */
export const createEdgeSet = (options: EdgeSetOptions): Promise<EdgeSet> =>
  buildService(edgeSetService(options.topology), options);

/** Every topic edge-set touches, with one partition count (benches create them up front). */
export const topicSpecs = (partitions: number, t: Topology = edgeSetTopology) =>
  definitionTopics(edgeSetService(t), partitions);
