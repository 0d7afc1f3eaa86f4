import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Codec, Group, Processor, ProcessorOptions, View } from '@showcase/goka';
import type { FastifyPluginAsync, FastifyPluginOptions, RawServerDefault } from 'fastify';
import type { Auth } from './auth.ts';
import type { ConfigOf, EnvSpec } from './config.ts';
import type { BaseConfig } from './env-spec.ts';
import type { RoutedTable } from './routing/routed-table.ts';
import type { MeteredEmitter, Service, ServiceOptions } from './service.ts';
import type { TopicUse } from './service-topics.ts';
import type { WsBridge } from './ws-bridge.ts';

/** A topic or table as contracts and topologies describe one: its name and codec. */
export interface TopicRef<T> {
  readonly name: string;
  readonly codec: Codec<T>;
}

/** A group the service runs, with its processing options (guarantee, failure policy, …). */
export interface GroupDefinition {
  readonly group: Group<unknown, unknown>;
  readonly options: Omit<ProcessorOptions, 'cluster'>;
}

/** `processed(pairsGroup(t), { guarantee: 'exactly-once' })`: a group entry of a definition. */
export function processed<V, L>(
  group: Group<V, L>,
  options: Omit<ProcessorOptions, 'cluster'> = {},
): GroupDefinition {
  return { group: group as unknown as Group<unknown, unknown>, options };
}

export type ViewsOf<V> = { readonly [K in keyof V]: View<V[K]> };

/**
 * A table whose reads follow the key's owner: the table of the definition's group `group` (a key
 * of `groups`; buildService refuses another), with rows of type `T`. Made by
 * `routedTable<Row>('pairs')`.
 */
export interface RoutedRef<T> {
  readonly group: string;
  /** Type only: the row type the routes read. */
  readonly row?: T;
}

/** `routed: () => ({ pairs: routedTable<PairRow>('pairs') })`: the `pairs` group's table, routed. */
export function routedTable<T>(group: string): RoutedRef<T> {
  return { group };
}

export type RoutedOf<R> = { readonly [K in keyof R]: RoutedTable<R[K]> };
export type EmittersOf<E> = { readonly [K in keyof E]: MeteredEmitter<E[K]> };

/**
 * What every route plugin of a service receives as its options: the views it reads, the
 * emitters it writes through, the auth hooks, the loaded config, the WebSocket bridge, and
 * whatever the definition's `context` adds.
 */
export type ServiceDeps<S extends EnvSpec, V, E, X = unknown, R = Record<never, never>> = {
  readonly views: ViewsOf<V>;
  /** Tables read through their owner (answered here or forwarded; see `routed`). */
  readonly routed: RoutedOf<R>;
  readonly emitters: EmittersOf<E>;
  readonly auth: Auth;
  readonly config: BaseConfig & ConfigOf<S>;
  readonly ws: WsBridge;
} & X;

/**
 * One resource's routes: an encapsulated Fastify plugin (hooks it adds stay within it) whose
 * options are the service's deps.
 */
export type RoutePlugin<D extends FastifyPluginOptions> = FastifyPluginAsync<
  D,
  RawServerDefault,
  TypeBoxTypeProvider
>;

/**
 * A service, declared: who it is, what it reads from the environment, the groups it runs, the
 * views it reads, the emitters it writes through, the route plugins it serves. `buildService`
 * (tests, benches) and `runService` (main.ts) make it run. The builders get the service's own
 * configuration; topic names never depend on it (topics are derived with the defaults).
 */
export interface ServiceDefinition<
  S extends EnvSpec,
  V,
  E,
  P extends string = never,
  X = unknown,
  R = Record<never, never>,
> {
  readonly name: string;
  /** Default port; env PORT overrides it. */
  readonly port: number;
  readonly description: string;
  readonly version?: string;
  /** The service's own variables (stream services spread `streamEnvSpec(name)` in). */
  readonly env: S;
  /** The groups it runs, by name (the names are for tests and benches). */
  readonly groups?: (config: ConfigOf<S>) => Readonly<Record<P, GroupDefinition>>;
  /** Tables it reads through views, by the name its routes use. */
  readonly views?: (config: ConfigOf<S>) => { readonly [K in keyof V]: TopicRef<V[K]> };
  /**
   * Group tables read through their owner instead of a view of the whole table, by the name its
   * routes use: each instance keeps only the partitions it owns, and a read of another's key is
   * forwarded to it (service-kit README, "Routed reads").
   */
  readonly routed?: (config: ConfigOf<S>) => { readonly [K in keyof R]: RoutedRef<R[K]> };
  /** Topics it writes from HTTP, by the name its routes use. */
  readonly emitters?: (config: ConfigOf<S>) => { readonly [K in keyof E]: TopicRef<E[K]> };
  /**
   * Topics the service owns beyond what its groups, views and emitters show (e.g. a compacted
   * stream it only writes); everything else is derived.
   */
  readonly topics?: (config: ConfigOf<S>) => readonly TopicUse[];
  /**
   * Extra route deps (and whatever else the service keeps beside its views: mirrors, a
   * directory), made once the views and emitters exist; `service` for its logger and its
   * start and stop hooks.
   */
  readonly context?: (parts: ServiceDeps<S, V, E, unknown, R> & { readonly service: Service<S> }) => X;
  /** One plugin per resource, registered in this order. */
  // NoInfer: the views', emitters' and context's types come from their builders, the routes are
  // checked against them.
  readonly routes: readonly RoutePlugin<ServiceDeps<S, NoInfer<V>, NoInfer<E>, X, NoInfer<R>>>[];
  /** The console's admin routes: owner name shown per group, live feed interval. */
  readonly admin?: ServiceOptions<S>['admin'];
}

/** Declares a service; the identity, so that TypeScript infers the views' and emitters' types. */
export function defineService<
  S extends EnvSpec,
  V,
  E,
  P extends string = never,
  X = unknown,
  R = Record<never, never>,
>(definition: ServiceDefinition<S, V, E, P, X, R>): ServiceDefinition<S, V, E, P, X, R> {
  return definition;
}

/** The processors a built service runs, by the group names of its definition. */
export type ProcessorsOf<P extends string> = Readonly<Record<P, Processor<unknown, unknown>>>;
