/// <reference types="@fastify/jwt" preserve="true" />
/// <reference types="@fastify/swagger" preserve="true" />
/// <reference types="@fastify/websocket" preserve="true" />
// The plugins' type augmentations of Fastify (request.user, route schema summary/tags, websocket
// routes) must reach the services that compile against this package's declarations (npm run build).
export type { Logger } from 'pino';
export * from './admin/index.ts';
export { type Auth, type AuthUser, installAuth, tokenOf } from './auth.ts';
export { type BuildHost, type BuiltService, buildService, definitionTopics } from './build-service.ts';
export { type Component, processorComponent, viewComponent } from './components.ts';
export {
  ConfigError,
  type ConfigOf,
  describeConfig,
  type EnvSpec,
  EnvValueError,
  type EnvVar,
  env,
  loadConfig,
} from './config.ts';
export { createService } from './create-service.ts';
export {
  defineService,
  type EmittersOf,
  type GroupDefinition,
  type ProcessorsOf,
  processed,
  type RoutedOf,
  type RoutedRef,
  type RoutePlugin,
  routedTable,
  type ServiceDefinition,
  type ServiceDeps,
  type TopicRef,
  type ViewsOf,
} from './define-service.ts';
export { type BaseConfig, baseEnvSpec } from './env-spec.ts';
export {
  badRequest,
  type ErrorBody,
  forbidden,
  HttpError,
  notFound,
  unauthorized,
  unavailable,
} from './http/errors.ts';
export { createLogger, kafkaLogger, type LogFormat, logFormat } from './logger.ts';
export { ServiceMetrics } from './metrics.ts';
export {
  FORWARDED_HEADER,
  type RoutedRead,
  RoutedTable,
  type RoutedTableOptions,
  SERVED_BY_HEADER,
} from './routing/routed-table.ts';
export { runService } from './run-service.ts';
export {
  AcceptedSchema,
  bearerSecurity,
  clientErrorResponses,
  ErrorSchema,
  newId,
  Type,
  UserIdSchema,
  UserParamsSchema,
} from './schemas.ts';
export {
  type App,
  type MeteredEmitter,
  Service,
  type ServiceHost,
  type ServiceOptions,
  type ServiceState,
} from './service.ts';
export { type ResolvedConfig, resolveServiceConfig } from './service-config.ts';
export {
  defaultFailurePolicy,
  groupTopics,
  type TopicUse,
  topicSpecsOf,
} from './service-topics.ts';
export { type StreamHost, streamEnvSpec, streamHost } from './stream-host.ts';
export {
  claimProblem,
  DEFAULT_TOKEN_TTL_S,
  DEV_AUTH_SECRET,
  MIN_SECRET_LENGTH,
  type MintOptions,
  mintToken,
  type TokenClaims,
  type TokenRules,
  USER_ID_PATTERN,
  verifyToken,
} from './token.ts';
export { ensureTopicsReady } from './topics.ts';
export {
  type BridgeOptions,
  type BridgeSocket,
  type ChannelOptions,
  type ChannelStats,
  type OverflowPolicy,
  SocketChannel,
  type Subscription,
  WsBridge,
} from './ws-bridge.ts';
