import { NotLocal, type Owner, type Processor } from '@showcase/goka';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { unavailable } from '../http/errors.ts';

/** Marks a forwarded request: its receiver answers locally or refuses (503), never forwards again. */
export const FORWARDED_HEADER = 'x-routed-from';
/** On a forwarded answer: the endpoint of the instance that answered. */
export const SERVED_BY_HEADER = 'x-routed-to';
/** Request headers passed on to the owner; everything else (cookies, hop-by-hop) stays here. */
const PASSED_HEADERS = ['authorization', 'accept', 'accept-language', 'x-request-id'] as const;
/** Response headers passed back from the owner. */
const RETURNED_HEADERS = ['content-type', 'retry-after', 'cache-control', 'etag'] as const;

/** A read of a routed table: the local value, or the owner's answer already sent on `reply`. */
export type RoutedRead<T> =
  | { readonly forwarded: false; readonly value: T | undefined }
  | { readonly forwarded: true };

export interface RoutedTableOptions {
  /** Longest wait for the owner's answer before 503. */
  readonly timeoutMs: number;
  readonly logger: Logger;
}

/**
 * Reads of a group table that follow the key's owner (Kafka Streams' interactive queries, Faust's
 * `table_route`): answered from this instance's partition when it owns the key, else the whole
 * HTTP request is forwarded to the owner's endpoint — one hop (a forwarded request is marked and
 * never forwarded again), the `authorization` header passed on, bounded in time — and the
 * owner's status, content type and body go back to the client. While no owner is known (a
 * rebalance, a recovering partition) or the owner does not answer: 503 with `Retry-After: 1`.
 */
export class RoutedTable<T> {
  constructor(
    private readonly processor: Processor<T, unknown>,
    private readonly options: RoutedTableOptions,
  ) {}

  /** The group whose table this reads. */
  get group(): string {
    return this.processor.group.name;
  }

  /** Who answers `key` right now (see goka's `processor.owner`). */
  owner(key: string): Owner {
    return this.processor.owner(key);
  }

  /**
   * The row of `key`: `{ forwarded: false, value }` when read here; `{ forwarded: true }` when
   * the owner answered the request (the handler then returns `reply`). Throws a 503 HttpError
   * (Retry-After set on `reply`) when nobody can answer.
   */
  async get(key: string, request: FastifyRequest, reply: FastifyReply): Promise<RoutedRead<T>> {
    const owner = this.processor.owner(key);
    if (owner.kind === 'local') {
      try {
        return { forwarded: false, value: await this.processor.get(key) };
      } catch (error) {
        // Revoked between the check and the read: treated as no owner known (the client retries).
        if (error instanceof NotLocal) throw this.refuse(reply, `${error.message}; try again`);
        throw error;
      }
    }
    if (owner.kind === 'unavailable') {
      throw this.refuse(reply, `no instance can answer this key now (${owner.reason}); try again`);
    }
    if (request.headers[FORWARDED_HEADER] !== undefined) {
      // The instance that sent it here believed this one to be the owner: the maps disagree
      // during a rebalance. A second hop could bounce; the client retries instead.
      throw this.refuse(reply, `this instance does not own the key (owner: ${owner.endpoint}); try again`);
    }
    await this.forward(owner.endpoint, request, reply);
    return { forwarded: true };
  }

  private async forward(endpoint: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const headers: Record<string, string> = {
      [FORWARDED_HEADER]: this.processor.endpoint ?? 'unknown',
    };
    for (const name of PASSED_HEADERS) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    let response: Response;
    let body: Buffer;
    try {
      response = await fetch(new URL(request.url, endpoint), {
        method: request.method,
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      body = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      this.options.logger.warn(
        { err: error, endpoint, group: this.group },
        'routed read: the owner did not answer',
      );
      throw this.refuse(reply, `the owner of this key (${endpoint}) did not answer; try again`);
    }
    void reply.code(response.status).header(SERVED_BY_HEADER, endpoint);
    for (const name of RETURNED_HEADERS) {
      const value = response.headers.get(name);
      if (value !== null) void reply.header(name, value);
    }
    reply.send(body);
  }

  private refuse(reply: FastifyReply, message: string): Error {
    void reply.header('retry-after', '1');
    return unavailable(message);
  }
}
