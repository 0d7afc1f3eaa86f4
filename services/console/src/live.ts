import type { FastifyBaseLogger } from 'fastify';
import WebSocket from 'ws';
import type { Upstream } from './config.ts';
import { callAll } from './upstream.ts';

export interface LiveProxyOptions {
  readonly socket: WebSocket;
  readonly upstreams: ReadonlyMap<string, Upstream>;
  readonly token: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly logger: FastifyBaseLogger;
}

const MAX_BUFFERED_BYTES = 1 << 20;

type Watch = {
  readonly type: 'watch' | 'unwatch';
  readonly service: string;
  readonly table: string;
  readonly key: string;
};

function parse(raw: string): Watch | string {
  let m: unknown;
  try {
    m = JSON.parse(raw);
  } catch {
    return 'message is not JSON';
  }
  if (typeof m !== 'object' || m === null) return 'message must be an object';
  const { type, service, table, key } = m as Record<string, unknown>;
  if (type !== 'watch' && type !== 'unwatch') return 'type must be "watch" or "unwatch"';
  if (typeof service !== 'string' || typeof table !== 'string' || typeof key !== 'string')
    return 'service, table and key must be strings';
  return { type, service, table, key };
}

/**
 * One browser's live feed: every service's group status each interval (polled over HTTP, so a
 * service that restarts simply reappears), and the updates of watched keys, relayed from the
 * owning service's `/admin/live` socket (opened on the first watch, with the browser's token).
 */
export function runLiveProxy(options: LiveProxyOptions): void {
  const { socket, logger } = options;
  const feeds = new Map<string, { ws: WebSocket; open: Promise<void> }>();
  let closed = false;
  const send = (message: unknown, droppable = false) => {
    if (closed || socket.readyState !== WebSocket.OPEN) return;
    if (droppable && socket.bufferedAmount > MAX_BUFFERED_BYTES) return;
    socket.send(JSON.stringify(message));
  };

  let busy = false;
  const upstreams = [...options.upstreams.values()];
  const tick = async () => {
    if (busy || closed) return;
    busy = true;
    try {
      const services = await callAll(upstreams, '/admin/groups', options.token, options.timeoutMs);
      send({ type: 'groups', at: new Date().toISOString(), services }, true);
    } finally {
      busy = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), options.intervalMs);

  const feed = (upstream: Upstream) => {
    const existing = feeds.get(upstream.name);
    if (existing) return existing;
    const ws = new WebSocket(`${upstream.url.replace(/^http/, 'ws')}/admin/live`, {
      headers: { authorization: `Bearer ${options.token}` },
    });
    const open = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
    open.catch(() => undefined);
    ws.on('error', (error) =>
      logger.debug({ err: error, service: upstream.name }, 'live feed upstream error'),
    );
    ws.on('message', (data) => {
      let m: { type?: unknown };
      try {
        m = JSON.parse(String(data));
      } catch {
        return;
      }
      // Status comes from the HTTP poll; only the watched keys' messages are relayed.
      if (m.type === 'value' || m.type === 'update' || m.type === 'error')
        send({ ...m, service: upstream.name });
    });
    ws.on('close', () => {
      feeds.delete(upstream.name);
      if (!closed)
        send({
          type: 'error',
          service: upstream.name,
          message: `live feed of ${upstream.name} closed; watch again`,
        });
    });
    const entry = { ws, open };
    feeds.set(upstream.name, entry);
    return entry;
  };

  socket.on('message', (data) => {
    const m = parse(String(data));
    if (typeof m === 'string') {
      send({ type: 'error', message: m });
      return;
    }
    const upstream = options.upstreams.get(m.service);
    if (!upstream) {
      send({
        type: 'error',
        service: m.service,
        table: m.table,
        key: m.key,
        message: `no service "${m.service}" is configured in the console`,
      });
      return;
    }
    const { ws, open } = feed(upstream);
    open.then(
      () => ws.send(JSON.stringify({ type: m.type, table: m.table, key: m.key })),
      (error: Error) =>
        send({
          type: 'error',
          service: m.service,
          table: m.table,
          key: m.key,
          message: `cannot reach ${m.service}: ${error.message}`,
        }),
    );
  });

  socket.on('close', () => {
    closed = true;
    clearInterval(timer);
    for (const { ws } of feeds.values()) ws.terminate();
    feeds.clear();
  });
}
