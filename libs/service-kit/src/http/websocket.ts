import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import { HttpError } from './errors.ts';

export interface WebsocketConfig {
  /** Largest frame a client may send, bytes. */
  readonly maxPayload: number;
  /** Open sockets per user (per IP for unauthenticated routes). */
  readonly maxPerUser: number;
}

/** A handshake key is 16 random bytes, base64: 22 characters and `==`. */
const HANDSHAKE_KEY = /^[+/0-9A-Za-z]{22}==$/;

const ownerOf = (request: FastifyRequest): string => {
  const user = (request as { user?: { id?: unknown } }).user;
  return typeof user?.id === 'string' ? `user:${user.id}` : `ip:${request.ip}`;
};

/**
 * @fastify/websocket with the service's rules:
 * - at most `maxPerUser` open sockets per user: the upgrade beyond it answers 429 (checked after
 *   the route's auth hook, so the user is known); a burst of parallel upgrades that slips past
 *   the check is closed with 1008 once open;
 * - bad frames from a client (too large, invalid UTF-8, protocol errors) are the client's
 *   mistake: logged at debug without a stack, the socket is terminated;
 * - WebSocket routes are documented in OpenAPI (the plugin hides them) and a plain GET of one
 *   answers 426 with the uniform body (see errors.ts), not an empty 404.
 * Must be registered before the routes are added; reaches every route (fastify-plugin).
 */
export const websocket = fp<WebsocketConfig>(
  async (app, config) => {
    const open = new Map<string, number>();
    const count = (owner: string) => open.get(owner) ?? 0;
    const capHook = async (request: FastifyRequest) => {
      if (request.headers.upgrade?.toLowerCase() !== 'websocket') return;
      // ws refuses a malformed handshake with a plain-text 400; check it here first, so the client
      // gets the uniform `{ error, message }` body like everywhere else (RFC 6455 §4.2.1).
      const key = request.headers['sec-websocket-key'];
      if (typeof key !== 'string' || !HANDSHAKE_KEY.test(key.trim())) {
        throw new HttpError(
          400,
          'bad_request',
          'WebSocket handshake: Sec-WebSocket-Key is missing or invalid',
        );
      }
      if (request.headers['sec-websocket-version'] !== '13') {
        throw new HttpError(400, 'bad_request', 'WebSocket handshake: Sec-WebSocket-Version must be 13');
      }
      if (count(ownerOf(request)) >= config.maxPerUser) {
        throw new HttpError(
          429,
          'too_many_requests',
          `at most ${config.maxPerUser} open WebSocket connections per user; close one first`,
        );
      }
    };
    // Before the plugin's own onRoute hook, which captures the handler it will call.
    app.addHook('onRoute', (route: RouteOptions & { websocket?: boolean }) => {
      if (!route.websocket || route.method === 'HEAD') return;
      const handler = route.handler as unknown as (socket: WebSocket, request: FastifyRequest) => unknown;
      route.config = { ...(route.config as object | undefined), websocket: true } as never;
      const existing = route.preHandler;
      route.preHandler = [...(existing ? (Array.isArray(existing) ? existing : [existing]) : []), capHook];
      route.handler = function (this: FastifyInstance, socket: WebSocket, request: FastifyRequest) {
        const owner = ownerOf(request);
        if (count(owner) >= config.maxPerUser) {
          socket.close(1008, 'too many connections');
          return;
        }
        open.set(owner, count(owner) + 1);
        socket.once('close', () => {
          const n = count(owner) - 1;
          if (n <= 0) open.delete(owner);
          else open.set(owner, n);
        });
        return handler.call(this, socket, request);
      } as never;
    });
    await app.register(fastifyWebsocket, {
      options: { maxPayload: config.maxPayload },
      // Sockets are closed by the service's own preClose hook (1001, with the bridge's bookkeeping).
      preClose: (done) => done(),
      errorHandler: (error, socket, request) => {
        request.log.debug(
          { code: (error as { code?: string }).code, reason: error.message },
          'websocket client error',
        );
        socket.terminate();
      },
    });
    // After the plugin's onRoute (which sets schema.hide): WebSocket routes belong in the docs.
    app.addHook('onRoute', (route: RouteOptions & { websocket?: boolean }) => {
      if (!route.websocket || !route.schema) return;
      const schema = route.schema as Record<string, unknown>;
      schema.hide = false;
      const note =
        'WebSocket: connect with `Upgrade: websocket`; browsers pass the token as `?token=<jwt>`. A plain GET answers 426.';
      schema.description = schema.description ? `${String(schema.description)}\n\n${note}` : note;
    });
  },
  { name: 'service-kit-websocket' },
);
