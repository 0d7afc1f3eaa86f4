export type { Logger } from 'pino';
export { type Auth, type AuthUser, installAuth, tokenOf } from './auth.ts';
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
export {
  badRequest,
  type ErrorBody,
  forbidden,
  HttpError,
  notFound,
  unauthorized,
  unavailable,
} from './errors.ts';
export { ServiceMetrics } from './metrics.ts';
export { ErrorSchema, newId, Type } from './schemas.ts';
export {
  type App,
  type BaseConfig,
  baseEnvSpec,
  createLogger,
  createService,
  type MeteredEmitter,
  Service,
  type ServiceOptions,
  type ServiceState,
} from './service.ts';
export {
  DEV_AUTH_SECRET,
  MIN_SECRET_LENGTH,
  type MintOptions,
  mintToken,
  type TokenClaims,
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
