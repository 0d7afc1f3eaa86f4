import { mintToken } from '@showcase/service-kit';
import WebSocket from 'ws';

/** What tests need to talk to a service over HTTP and WebSocket only. */
export interface Reply<T = unknown> {
  readonly status: number;
  readonly body: T;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly secret: string,
  ) {}

  token(user: string, admin = false): string {
    return mintToken({ secret: this.secret, user, admin, ttlSeconds: 3600 });
  }

  /** `as`: user id, `{ admin: id }`, or null for no token; or a raw header value. */
  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: {
      as?: string | { admin: string } | null;
      body?: unknown;
      rawBody?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.as !== undefined && options.as !== null) {
      const tok =
        typeof options.as === 'string' ? this.token(options.as) : this.token(options.as.admin, true);
      headers.authorization = `Bearer ${tok}`;
    }
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (e.g. /metrics)
    }
    return { status: res.status, body: parsed as T };
  }

  get<T = Record<string, unknown>>(path: string, as?: string | { admin: string } | null) {
    return this.request<T>('GET', path, { as: as ?? null });
  }

  post<T = Record<string, unknown>>(path: string, as: string | { admin: string } | null, body?: unknown) {
    return this.request<T>('POST', path, { as, body });
  }

  /** A WebSocket authenticated with `?token=` (or the header), collecting JSON messages. */
  async socket(
    path: string,
    user: string | { admin: string },
    via: 'query' | 'header' = 'query',
  ): Promise<TestSocket> {
    const tok = typeof user === 'string' ? this.token(user) : this.token(user.admin, true);
    const base = this.baseUrl.replace(/^http/, 'ws');
    const ws =
      via === 'query'
        ? new WebSocket(`${base}${path}?token=${encodeURIComponent(tok)}`)
        : new WebSocket(`${base}${path}`, { headers: { authorization: `Bearer ${tok}` } });
    return TestSocket.open(ws);
  }

  /** Tries to open a WebSocket; resolves with the HTTP status of a refused upgrade (or 101). */
  async upgradeStatus(path: string, token?: string): Promise<number> {
    const base = this.baseUrl.replace(/^http/, 'ws');
    const ws = new WebSocket(`${base}${path}${token ? `?token=${encodeURIComponent(token)}` : ''}`);
    ws.on('error', () => undefined);
    return new Promise((resolveStatus) => {
      ws.once('open', () => {
        ws.close();
        resolveStatus(101);
      });
      ws.once('unexpected-response', (_req, res) => {
        resolveStatus(res.statusCode ?? 0);
        ws.terminate();
      });
    });
  }
}

export class TestSocket {
  readonly messages: Record<string, unknown>[] = [];
  closeCode: number | undefined;
  private readonly closedPromise: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('error', () => undefined);
    ws.on('message', (data) => this.messages.push(JSON.parse(String(data))));
    this.closedPromise = new Promise((resolveClose) =>
      ws.once('close', (code) => {
        this.closeCode = code;
        resolveClose(code);
      }),
    );
  }

  static open(ws: WebSocket): Promise<TestSocket> {
    const socket = new TestSocket(ws);
    return new Promise((resolveOpen, reject) => {
      ws.once('open', () => resolveOpen(socket));
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)),
      );
    });
  }

  closed(): Promise<number> {
    return this.closedPromise;
  }

  /** Resolves with the first message matching, waiting up to `timeoutMs`. */
  async next(
    match: (m: Record<string, unknown>) => boolean,
    timeoutMs = 15_000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.messages.find(match);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(
      `no matching WebSocket message within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`,
    );
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close();
    else this.ws.terminate();
  }
}

/** Polls `check` until it returns without throwing (eventual consistency), or rethrows at the deadline. */
export async function eventually<T>(
  check: () => Promise<T> | T,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
