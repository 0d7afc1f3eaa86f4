import type { View, ViewUpdate } from '@showcase/goka';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';

/**
 * One admin live-feed socket: a status snapshot every interval, plus the updates of the table
 * keys the client watches (`{type:'watch', table, key}` / `{type:'unwatch', table, key}`).
 * A slow client loses snapshots (the next one supersedes them), never the socket's memory.
 */
export interface LiveFeedOptions {
  readonly socket: WebSocket;
  readonly views: () => ReadonlyMap<string, View<unknown>>;
  readonly snapshot: () => Promise<unknown>;
  readonly intervalMs: number;
  readonly logger: FastifyBaseLogger;
}

/** More buffered than this and snapshots are skipped until the client caught up. */
const MAX_BUFFERED_BYTES = 1 << 20;
const MAX_WATCHES = 50;
const MAX_KEY_LENGTH = 1024;

type ClientMessage =
  | { readonly type: 'watch'; readonly table: string; readonly key: string }
  | { readonly type: 'unwatch'; readonly table: string; readonly key: string };

function parseClientMessage(raw: string): ClientMessage | string {
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return 'message is not JSON';
  }
  if (typeof message !== 'object' || message === null) return 'message must be an object';
  const { type, table, key } = message as Record<string, unknown>;
  if (type !== 'watch' && type !== 'unwatch') return 'type must be "watch" or "unwatch"';
  if (typeof table !== 'string' || table === '') return 'table must be a non-empty string';
  if (typeof key !== 'string' || key === '' || key.length > MAX_KEY_LENGTH)
    return `key must be a string of 1..${MAX_KEY_LENGTH} characters`;
  return { type, table, key };
}

export function runLiveFeed(options: LiveFeedOptions): void {
  const { socket, logger } = options;
  // table -> watched keys; one update listener per watched table.
  const watches = new Map<string, Set<string>>();
  const listeners = new Map<string, { view: View<unknown>; listener: (u: ViewUpdate<unknown>) => void }>();
  let closed = false;
  const send = (message: unknown, droppable: boolean) => {
    if (closed || socket.readyState !== socket.OPEN) return;
    if (droppable && socket.bufferedAmount > MAX_BUFFERED_BYTES) return;
    socket.send(JSON.stringify(message));
  };

  let busy = false;
  const tick = async () => {
    if (busy || closed) return;
    busy = true;
    try {
      send({ type: 'status', at: new Date().toISOString(), ...((await options.snapshot()) as object) }, true);
    } catch (error) {
      logger.warn({ err: error }, 'admin live feed: status snapshot failed');
      send({ type: 'error', message: `status unavailable: ${(error as Error).message}` }, true);
    } finally {
      busy = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), options.intervalMs);

  const watchedCount = () => [...watches.values()].reduce((n, keys) => n + keys.size, 0);

  socket.on('message', (data) => {
    const parsed = parseClientMessage(String(data));
    if (typeof parsed === 'string') {
      send({ type: 'error', message: parsed }, false);
      return;
    }
    const { table, key } = parsed;
    const view = options.views().get(table);
    if (!view) {
      send({ type: 'error', message: `no view of table "${table}" in this service`, table, key }, false);
      return;
    }
    if (parsed.type === 'unwatch') {
      watches.get(table)?.delete(key);
      return;
    }
    if (watchedCount() >= MAX_WATCHES) {
      send({ type: 'error', message: `at most ${MAX_WATCHES} watched keys per socket`, table, key }, false);
      return;
    }
    let keys = watches.get(table);
    if (!keys) {
      keys = new Set();
      watches.set(table, keys);
      const watched = keys;
      const listener = (u: ViewUpdate<unknown>) => {
        if (watched.has(u.key)) {
          send(
            {
              type: 'update',
              table,
              key: u.key,
              value: u.value ?? null,
              partition: u.partition,
              offset: u.offset,
            },
            false,
          );
        }
      };
      view.on('update', listener);
      listeners.set(table, { view, listener });
    }
    keys.add(key);
    // The current value first, so the client has something to show before the next update.
    view.get(key).then(
      (value) => send({ type: 'value', table, key, value: value ?? null }, false),
      (error: unknown) => send({ type: 'error', message: (error as Error).message, table, key }, false),
    );
  });

  socket.on('close', () => {
    closed = true;
    clearInterval(timer);
    for (const { view, listener } of listeners.values()) view.off('update', listener);
    listeners.clear();
  });
}
