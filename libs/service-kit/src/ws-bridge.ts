import type { View, ViewUpdate } from '@showcase/goka';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { ServiceMetrics } from './metrics.ts';

/**
 * Pushes view updates to WebSocket clients.
 *
 * Back-pressure. A socket has at most `maxInFlight` messages handed to the kernel and not yet
 * written (ws calls the send callback when they are); further messages wait in a queue of at
 * most `maxQueue`. When the queue is full the policy decides:
 * - `drop-oldest` (default): the oldest queued message is discarded and the client receives
 *   `{ "type": "overflow", "dropped": n }` before the next message it does get, so it knows to
 *   re-read the state over HTTP. A slow client never slows the view or other clients.
 * - `close`: the socket is closed with 1013 ("try again later"); for clients that cannot miss
 *   anything and will reconnect and re-read.
 * Liveness: a ping every `pingIntervalMs`; a client that did not answer the previous ping with a
 * pong is terminated. Unsubscribing (client close, error, server shutdown) removes the
 * socket from the view's fan-out at once.
 */
export type OverflowPolicy = 'drop-oldest' | 'close';

export interface ChannelOptions {
  readonly policy?: OverflowPolicy;
  readonly maxQueue?: number;
  readonly maxInFlight?: number;
  readonly pingIntervalMs?: number;
}

export interface BridgeOptions<T> extends ChannelOptions {
  /** Keys of the view to follow, or every key. */
  readonly keys: readonly string[] | 'all';
  /**
   * Maps a view key to the key `keys` are matched against, e.g. the user of `<user>|<seq>`
   * rows, so a socket follows every row of a user. Pass the same function (one module-level
   * constant) for every socket of a view: fan-out is indexed per (view, keyOf).
   */
  readonly keyOf?: (key: string) => string;
  /** Turns an update into the messages for this socket; default `{ type: 'update', key, value }`. */
  readonly map?: (update: ViewUpdate<T>) => unknown;
}

/** The part of a `ws` WebSocket the bridge uses (so tests can hand in a fake). */
export type BridgeSocket = Pick<
  WebSocket,
  'send' | 'ping' | 'close' | 'terminate' | 'on' | 'off' | 'once' | 'readyState'
>;

const OPEN = 1;

export interface ChannelStats {
  readonly sent: number;
  readonly dropped: number;
  readonly queued: number;
  readonly inFlight: number;
}

/** One socket's outgoing side: bounded queue, overflow policy, ping/pong, close. */
export class SocketChannel {
  private readonly queue: string[] = [];
  private inFlight = 0;
  private sent = 0;
  private dropped = 0;
  private droppedUnreported = 0;
  private closed = false;
  private alive = true;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly closeListeners: (() => void)[] = [];
  private readonly policy: OverflowPolicy;
  private readonly maxQueue: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly socket: BridgeSocket,
    options: ChannelOptions = {},
    private readonly onDrop: (count: number, reason: 'overflow' | 'closed') => void = () => undefined,
  ) {
    this.policy = options.policy ?? 'drop-oldest';
    this.maxQueue = options.maxQueue ?? 256;
    this.maxInFlight = options.maxInFlight ?? 16;
    const ping = options.pingIntervalMs ?? 30_000;
    socket.on('pong', this.onPong);
    socket.once('close', this.onClose);
    socket.on('error', this.onError);
    if (ping > 0) {
      this.timer = setInterval(() => this.heartbeat(), ping);
      this.timer.unref();
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  stats(): ChannelStats {
    return { sent: this.sent, dropped: this.dropped, queued: this.queue.length, inFlight: this.inFlight };
  }

  onClosed(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  send(message: unknown): void {
    if (this.closed) return;
    this.queue.push(JSON.stringify(message));
    if (this.queue.length > this.maxQueue) {
      if (this.policy === 'close') {
        this.close(1013, 'slow consumer: too many undelivered messages');
        return;
      }
      this.queue.shift();
      this.dropped++;
      this.droppedUnreported++;
      this.onDrop(1, 'overflow');
    }
    this.pump();
  }

  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    if (this.socket.readyState === OPEN) this.socket.close(code, reason);
    this.finish();
  }

  private pump(): void {
    while (!this.closed && this.inFlight < this.maxInFlight && this.queue.length > 0) {
      if (this.socket.readyState !== OPEN) return;
      if (this.droppedUnreported > 0) {
        this.write(JSON.stringify({ type: 'overflow', dropped: this.droppedUnreported }));
        this.droppedUnreported = 0;
        continue;
      }
      this.write(this.queue.shift()!);
    }
  }

  private write(data: string): void {
    this.inFlight++;
    this.socket.send(data, (error) => {
      this.inFlight--;
      if (error) return; // the socket is going away; 'close' cleans up
      this.sent++;
      this.pump();
    });
  }

  private heartbeat(): void {
    if (this.closed) return;
    if (!this.alive) {
      this.socket.terminate();
      this.finish();
      return;
    }
    this.alive = false;
    if (this.socket.readyState === OPEN) this.socket.ping();
  }

  private readonly onPong = () => {
    this.alive = true;
  };
  private readonly onClose = () => this.finish();
  private readonly onError = () => this.finish();

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.socket.off('pong', this.onPong);
    this.socket.off('error', this.onError);
    if (this.queue.length > 0) this.onDrop(this.queue.length, 'closed');
    this.queue.length = 0;
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}

type Listener<T> = (update: ViewUpdate<T>) => void;

/** One `update` listener per view, fanned out by key: cost per update is O(subscribers of that key). */
class ViewHub<T> {
  private readonly byKey = new Map<string, Set<Listener<T>>>();
  private readonly all = new Set<Listener<T>>();
  private attached = false;

  constructor(
    private readonly view: View<T>,
    private readonly keyOf: (key: string) => string = (key) => key,
  ) {}

  subscribe(keys: readonly string[] | 'all', listener: Listener<T>): () => void {
    if (keys === 'all') this.all.add(listener);
    else
      for (const key of keys) {
        const set = this.byKey.get(key) ?? new Set<Listener<T>>();
        this.byKey.set(key, set);
        set.add(listener);
      }
    if (!this.attached) {
      this.view.on('update', this.dispatch);
      this.attached = true;
    }
    return () => {
      if (keys === 'all') this.all.delete(listener);
      else
        for (const key of keys) {
          const set = this.byKey.get(key);
          set?.delete(listener);
          if (set?.size === 0) this.byKey.delete(key);
        }
      if (this.attached && this.all.size === 0 && this.byKey.size === 0) {
        this.view.off('update', this.dispatch);
        this.attached = false;
      }
    };
  }

  get subscribers(): number {
    let n = this.all.size;
    for (const set of this.byKey.values()) n += set.size;
    return n;
  }

  private readonly dispatch = (update: ViewUpdate<T>) => {
    for (const l of this.all) l(update);
    if (this.byKey.size === 0) return;
    const set = this.byKey.get(this.keyOf(update.key));
    if (set) for (const l of set) l(update);
  };
}

export interface Subscription {
  readonly channel: SocketChannel;
  /** Stops the updates; the socket stays open. */
  unsubscribe(): void;
}

/** All WebSocket subscriptions of a service; closes them on shutdown. */
export class WsBridge {
  private readonly hubs = new Map<View<unknown>, Map<((key: string) => string) | undefined, ViewHub<unknown>>>();
  private readonly channels = new Set<SocketChannel>();

  constructor(
    private readonly logger: Logger,
    private readonly metrics?: ServiceMetrics,
  ) {}

  /** A channel without a view (e.g. a route that pushes on its own). */
  channel(socket: BridgeSocket, route: string, options: ChannelOptions = {}): SocketChannel {
    const channel = new SocketChannel(socket, options, (count, reason) => {
      this.metrics?.wsDropped.inc({ route, reason }, count);
      if (reason === 'overflow') this.logger.debug({ route }, 'websocket message dropped (slow consumer)');
    });
    this.channels.add(channel);
    this.metrics?.wsConnections.inc({ route });
    channel.onClosed(() => {
      this.channels.delete(channel);
      this.metrics?.wsConnections.dec({ route });
    });
    return channel;
  }

  /** Subscribes the socket to the view's updates for the keys; ends when the socket closes. */
  subscribe<T>(socket: BridgeSocket, view: View<T>, route: string, options: BridgeOptions<T>): Subscription {
    const channel = this.channel(socket, route, options);
    const map =
      options.map ?? ((u: ViewUpdate<T>) => ({ type: 'update', key: u.key, value: u.value ?? null }));
    const hub = this.hubFor(view, options.keyOf);
    const unsubscribe = hub.subscribe(options.keys, (update) => {
      let out: unknown;
      try {
        out = map(update);
      } catch (error) {
        this.logger.error({ err: error, route }, 'websocket mapping failed');
        return;
      }
      if (out === undefined) return;
      if (Array.isArray(out)) for (const m of out) channel.send(m);
      else channel.send(out);
    });
    let active = true;
    const stop = () => {
      if (!active) return;
      active = false;
      unsubscribe();
    };
    channel.onClosed(stop);
    return { channel, unsubscribe: stop };
  }

  /** Subscribers per view table, for tests and diagnostics. */
  subscribers(view: View<unknown>): number {
    let n = 0;
    for (const hub of this.hubs.get(view)?.values() ?? []) n += hub.subscribers;
    return n;
  }

  get open(): number {
    return this.channels.size;
  }

  /** Closes every socket with 1001 (going away). */
  closeAll(reason = 'server shutting down'): void {
    for (const channel of [...this.channels]) channel.close(1001, reason);
  }

  private hubFor<T>(view: View<T>, keyOf?: (key: string) => string): ViewHub<T> {
    let byKeyOf = this.hubs.get(view as View<unknown>);
    if (!byKeyOf) {
      byKeyOf = new Map();
      this.hubs.set(view as View<unknown>, byKeyOf);
    }
    let hub = byKeyOf.get(keyOf);
    if (!hub) {
      hub = new ViewHub(view as View<unknown>, keyOf);
      byKeyOf.set(keyOf, hub);
    }
    return hub as unknown as ViewHub<T>;
  }
}
