import type { Processor } from '@showcase/goka';
import {
  createService,
  ensureTopicsReady,
  hostOf,
  type Service,
  type ServiceHost,
} from '@showcase/service-kit';
import { type EdgeSetEmitters, type EdgeSetViews, registerRoutes } from './api.ts';
import { DEFAULT_PORT, edgeSetEnv } from './config.ts';
import { indexGroup } from './processors/edge-index.ts';
import { notifierGroup } from './processors/notifier.ts';
import { pairsGroup } from './processors/pairs.ts';
import { edgeSetTopology, type Topology, topicSpecs } from './topics.ts';

export interface EdgeSetOptions extends ServiceHost {
  /** Topic and group names; default the contract's (`topology(prefix)` for benchmarks). */
  readonly topology?: Topology;
}

export interface EdgeSet {
  readonly service: Service<typeof edgeSetEnv>;
  readonly views: EdgeSetViews;
  readonly emitters: EdgeSetEmitters;
  readonly processors: {
    readonly pairs: Processor<unknown, unknown>;
    readonly index: Processor<unknown, unknown>;
    readonly notifier: Processor<unknown, unknown>;
  };
}

/** The whole service on a given cluster: groups, views, emitters, routes. main.ts runs it. */
export async function createEdgeSet(options: EdgeSetOptions): Promise<EdgeSet> {
  const service = await createService({
    name: 'edge-set',
    port: DEFAULT_PORT,
    description: 'The interaction graph: likes, passes, visits, messages, blocks and matches between users',
    config: edgeSetEnv,
    ...hostOf(options),
  });
  const config = service.config;
  const t = options.topology ?? edgeSetTopology;
  service.onStart(() => ensureTopicsReady(options.cluster, topicSpecs(config.PARTITIONS, t)));

  // A record that is not a valid interaction goes to edge-set-pairs-dlq; the stream goes on.
  const processing = { guarantee: config.GUARANTEE, onError: 'dead-letter' } as const;
  const processors = {
    pairs: service.processor(pairsGroup(t), processing) as Processor<unknown, unknown>,
    index: service.processor(indexGroup(t), processing) as Processor<unknown, unknown>,
    notifier: service.processor(notifierGroup(t), processing) as Processor<unknown, unknown>,
  };

  const views: EdgeSetViews = {
    pairs: service.view(t.tables.pairs),
    index: service.view(t.tables.index),
    notifications: service.view(t.tables.notifications),
  };
  const emitters: EdgeSetEmitters = { interactions: service.emitter(t.interactions) };
  registerRoutes(service, { views, emitters });
  return { service, views, emitters, processors };
}
