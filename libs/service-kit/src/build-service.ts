import type { Cluster, Processor } from '@showcase/goka';
import { type ConfigOf, type EnvSpec, loadConfig } from './config.ts';
import { createService } from './create-service.ts';
import type {
  EmittersOf,
  GroupDefinition,
  ProcessorsOf,
  RoutedOf,
  RoutedRef,
  ServiceDefinition,
  ServiceDeps,
  TopicRef,
  ViewsOf,
} from './define-service.ts';
import type { Service, ServiceHost } from './service.ts';
import { type ResolvedConfig, resolveServiceConfig } from './service-config.ts';
import { defaultFailurePolicy, groupTopics, type TopicUse, topicSpecsOf } from './service-topics.ts';

/** A service built from its definition: the service and the parts tests and benches look at. */
export interface BuiltService<
  S extends EnvSpec,
  V,
  E,
  P extends string = never,
  X = unknown,
  R = Record<never, never>,
> {
  readonly service: Service<S>;
  /** What the definition's `context` made (the route deps beyond views and emitters). */
  readonly context: X;
  readonly views: ViewsOf<V>;
  readonly routed: RoutedOf<R>;
  readonly emitters: EmittersOf<E>;
  readonly processors: ProcessorsOf<P>;
}

/** Where a built service runs; a service without groups, views or emitters needs no cluster. */
export type BuildHost = Omit<ServiceHost, 'cluster'> & { readonly cluster?: Cluster };

/**
 * Builds the service a definition declares on a host (cluster, storage, env, logger): config
 * (once; `resolved` when the caller loaded it), the shared plugins, one processor per group with
 * its options, the views and emitters, every topic they touch (derived, declared to the service:
 * created before any component starts), and each route plugin with the typed deps.
 */
export async function buildService<S extends EnvSpec, V, E, P extends string, X, R>(
  definition: ServiceDefinition<S, V, E, P, X, R>,
  host: BuildHost,
  resolved: ResolvedConfig<S> = resolveServiceConfig(
    {
      name: definition.name,
      port: definition.port,
      spec: definition.env,
      ...(host.logger ? { logger: host.logger } : {}),
    },
    host.env ?? process.env,
  ),
): Promise<BuiltService<S, V, E, P, X, R>> {
  const service = await createService<S>(
    {
      name: definition.name,
      port: definition.port,
      description: definition.description,
      config: definition.env,
      ...(definition.version ? { version: definition.version } : {}),
      ...(definition.admin ? { admin: definition.admin } : {}),
      ...(host.cluster ? { cluster: host.cluster } : {}),
      ...(host.storage ? { storage: host.storage } : {}),
    },
    resolved,
  );
  const config = resolved.config as ConfigOf<S>;
  const processors: Record<string, Processor<unknown, unknown>> = {};
  const groups: Readonly<Record<string, GroupDefinition>> = definition.groups?.(config) ?? {};
  for (const [name, { group, options }] of Object.entries(groups)) {
    processors[name] = service.processor(group, options);
  }
  const views = mapValues(refs(definition.views?.(config)), (table) => service.view(table)) as ViewsOf<V>;
  const routedRefs = (definition.routed?.(config) ?? {}) as Readonly<Record<string, RoutedRef<unknown>>>;
  const routed = mapValues(routedRefs, ({ group }) => {
    const processor = processors[group];
    if (!processor) throw new Error(`service ${definition.name}: routed table of unknown group "${group}"`);
    if (!processor.group.persist) {
      throw new Error(`service ${definition.name}: group "${group}" has no table to route reads of`);
    }
    return service.routed(processor);
  }) as RoutedOf<R>;
  const emitters = mapValues(refs(definition.emitters?.(config)), (topic) =>
    service.emitter(topic),
  ) as EmittersOf<E>;
  if (host.cluster) {
    const partitions = (resolved.config as { PARTITIONS?: number }).PARTITIONS;
    service.declareTopics(
      topicSpecsOf(usesOf(definition, config, groups), partitions ?? host.cluster.defaultPartitions),
    );
  }
  const parts: ServiceDeps<S, V, E, unknown, R> = {
    views,
    routed,
    emitters,
    auth: service.auth,
    config: service.config,
    ws: service.ws,
  };
  const context = (definition.context?.({ ...parts, service }) ?? {}) as X;
  const deps = { ...parts, ...context } as ServiceDeps<S, V, E, X, R>;
  for (const routes of definition.routes) await service.app.register(routes, deps);
  return { service, context, views, routed, emitters, processors: processors as ProcessorsOf<P> };
}

/**
 * Every topic a definition touches, with one partition count: its groups' inputs, tables,
 * outputs and own topics (goka's names), its views' tables, its emitters' topics and the topics
 * it declares. Built with the default configuration: names do not depend on it. This is what a
 * bench creates up front on a shared broker.
 */
export function definitionTopics<S extends EnvSpec, V, E, P extends string, X, R>(
  definition: ServiceDefinition<S, V, E, P, X, R>,
  partitions: number,
) {
  return topicSpecsOf(usesOf(definition, loadConfig(definition.env, {})), partitions);
}

/** The topic uses of a definition; `built` = its groups as already made from this config. */
function usesOf<S extends EnvSpec, V, E, P extends string, X, R>(
  definition: ServiceDefinition<S, V, E, P, X, R>,
  config: ConfigOf<S>,
  built?: Readonly<Record<string, GroupDefinition>>,
): TopicUse[] {
  const deadLetter = ({ group, options }: GroupDefinition) =>
    (options.onError ?? defaultFailurePolicy(definition.name, group)) === 'dead-letter';
  const groups = Object.values<GroupDefinition>(built ?? definition.groups?.(config) ?? {});
  return [
    ...(definition.topics?.(config) ?? []),
    ...groups.flatMap((entry) => groupTopics(entry.group, deadLetter(entry))),
    ...Object.values(refs(definition.views?.(config))).map((t) => ({ name: t.name, compacted: true })),
    ...Object.values(refs(definition.emitters?.(config))).map((t) => ({ name: t.name })),
  ];
}

/** A definition's views or emitters as a plain record (their value types are erased here). */
const refs = (record: object | undefined) => (record ?? {}) as Readonly<Record<string, TopicRef<unknown>>>;

function mapValues<T, R>(record: Readonly<Record<string, T>>, f: (value: T) => R): Record<string, R> {
  const out: Record<string, R> = {};
  for (const [key, value] of Object.entries(record)) out[key] = f(value);
  return out;
}
