import { EventEmitter } from 'node:events';
import { defineGroup, input, json, memoryCluster, persist, tableTopic } from '@showcase/goka';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { type BridgeSocket, createService, mintToken, type Service, SocketChannel } from '../src/index.ts';

const SECRET = 'test-secret-0123456789-abcdefghijk';
const token = (user: string, admin = false) => mintToken({ secret: SECRET, user, admin });

/** A socket whose writes complete only when the test says so. */
class FakeSocket extends EventEmitter {
  readyState = 1;
  readonly written: string[] = [];
  readonly pending: ((error?: Error) => void)[] = [];
  closedWith: [number, string] | undefined;
  terminated = false;
  pings = 0;
  send(data: string, cb?: (error?: Error) => void) {
    this.written.push(data);
    if (cb) this.pending.push(cb);
  }
  flush() {
    for (const cb of this.pending.splice(0)) cb();
  }
  ping() {
    this.pings++;
  }
  close(code: number, reason: string) {
    this.closedWith = [code, reason];
    this.readyState = 3;
    this.emit('close');
  }
  terminate() {
    this.terminated = true;
    this.readyState = 3;
    this.emit('close');
  }
}
const fake = () => new FakeSocket() as FakeSocket & BridgeSocket;
const parsed = (s: FakeSocket) => s.written.map((d) => JSON.parse(d));

describe('SocketChannel back-pressure', () => {
  it('drop-oldest: keeps the newest messages and tells the client how many were dropped', () => {
    const socket = fake();
    const dropped: number[] = [];
    const ch = new SocketChannel(socket, { maxInFlight: 1, maxQueue: 2, pingIntervalMs: 0 }, (n) =>
      dropped.push(n),
    );
    for (let i = 0; i < 5; i++) ch.send({ i });
    // i=0 in flight; queue holds the newest two (3, 4); 1 and 2 were dropped.
    expect(parsed(socket)).toEqual([{ i: 0 }]);
    expect(ch.stats()).toMatchObject({ dropped: 2, queued: 2 });
    socket.flush();
    socket.flush();
    socket.flush();
    expect(parsed(socket)).toEqual([{ i: 0 }, { type: 'overflow', dropped: 2 }, { i: 3 }, { i: 4 }]);
    expect(dropped).toEqual([1, 1]);
  });

  it('close: a slow consumer is disconnected with 1013', () => {
    const socket = fake();
    const ch = new SocketChannel(socket, { maxInFlight: 1, maxQueue: 2, policy: 'close', pingIntervalMs: 0 });
    for (let i = 0; i < 4; i++) ch.send({ i });
    expect(socket.closedWith?.[0]).toBe(1013);
    expect(ch.isClosed).toBe(true);
    ch.send({ late: true });
    expect(parsed(socket)).toEqual([{ i: 0 }]);
  });

  it('pings and terminates a client that stopped answering', () => {
    vi.useFakeTimers();
    try {
      const socket = fake();
      const ch = new SocketChannel(socket, { pingIntervalMs: 1000 });
      vi.advanceTimersByTime(1000);
      expect(socket.pings).toBe(1);
      socket.emit('pong');
      vi.advanceTimersByTime(1000);
      expect(socket.pings).toBe(2);
      vi.advanceTimersByTime(1000); // no pong for the second ping
      expect(socket.terminated).toBe(true);
      expect(ch.isClosed).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});

const counter = defineGroup(
  'ws-counter',
  persist(json<number>()),
  input('ws-clicks', json<number>(), (ctx, n) => {
    ctx.setValue((ctx.value() ?? 0) + n);
  }),
);

const services: Service[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await Promise.all(services.splice(0).map((s) => s.stop()));
});

async function listening() {
  const cluster = memoryCluster({ partitions: 2 });
  const service = await createService({
    name: 'ws-test',
    port: 0,
    cluster,
    env: { AUTH_SECRET: SECRET, LOG_LEVEL: 'silent', PORT: '0' },
  });
  services.push(service as Service);
  service.processor(counter);
  const view = service.view({ name: tableTopic(counter.name), codec: json<number>() });
  const clicks = service.emitter({ name: 'ws-clicks', codec: json<number>() });
  service.app.get('/ws/counter', { websocket: true, onRequest: service.auth.user }, (socket, request) => {
    service.ws.subscribe(socket, view, '/ws/counter', { keys: [request.user.id] });
    socket.send(JSON.stringify({ type: 'subscribed' }));
  });
  const address = await service.start();
  await service.whenReady(5000);
  return { service, view, clicks, url: address.replace(/^http/, 'ws') };
}

function connect(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  ws.on('error', () => undefined); // refused upgrades are asserted through `opened`
  sockets.push(ws);
  const messages: unknown[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  return { ws, messages, opened, closed };
}

describe('WebSocket bridge over a real server', () => {
  it('authenticates by header or ?token=, and refuses without a token', async () => {
    const { url } = await listening();
    await expect(connect(`${url}/ws/counter`).opened).rejects.toThrow('HTTP 401');
    await expect(connect(`${url}/ws/counter?token=garbage`).opened).rejects.toThrow('HTTP 401');
    await connect(`${url}/ws/counter?token=${token('u1')}`).opened;
    await connect(`${url}/ws/counter`, { authorization: `Bearer ${token('u1')}` }).opened;
  });

  it("pushes updates of the caller's key only, and unsubscribes cleanly on close", async () => {
    const { service, view, clicks, url } = await listening();
    const a = connect(`${url}/ws/counter?token=${token('alice')}`);
    const b = connect(`${url}/ws/counter?token=${token('bob')}`);
    await Promise.all([a.opened, b.opened]);
    await vi.waitFor(() => expect(a.messages).toEqual([{ type: 'subscribed' }]));
    await vi.waitFor(() => expect(b.messages).toHaveLength(1));
    expect(service.ws.subscribers(view as never)).toBe(2);
    await clicks.emit('alice', 2);
    await clicks.emit('alice', 3);
    await vi.waitFor(() =>
      expect(a.messages.slice(1)).toEqual([
        { type: 'update', key: 'alice', value: 2 },
        { type: 'update', key: 'alice', value: 5 },
      ]),
    );
    expect(b.messages).toHaveLength(1);
    a.ws.close();
    await a.closed;
    await vi.waitFor(() => expect(service.ws.subscribers(view as never)).toBe(1));
  });

  it('shutdown closes sockets with 1001 and stops listening', async () => {
    const { service, url } = await listening();
    const a = connect(`${url}/ws/counter?token=${token('alice')}`);
    await a.opened;
    await service.stop();
    expect(await a.closed).toBe(1001);
    await expect(connect(`${url}/ws/counter?token=${token('alice')}`).opened).rejects.toThrow();
  });
});
