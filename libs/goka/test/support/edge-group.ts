import { Writable } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { defineGroup, type Emitter, input, json, type Logger, loopback, persist } from '../../src/index.ts';
import { testBrokers } from './kafka.ts';

/**
 * A group shaped like edge-set's pairs: an event `{ id, to }` at the actor's key writes the
 * actor's row (`out`) and loops to the target's key, whose row records it as `in`. One event is
 * two table writes and a loopback record, usually in different partitions, all exactly-once.
 */
export interface EdgeRow {
  out: string[];
  in: string[];
}
export interface EdgeEvent {
  id: string;
  to: string;
}

export function edgeGroup(name: string, topic: string) {
  const row = (v: EdgeRow | undefined): EdgeRow => v ?? { out: [], in: [] };
  return defineGroup<EdgeRow, { id: string }>(
    name,
    persist(json<EdgeRow>()),
    input(topic, json<EdgeEvent>(), (ctx, event) => {
      const v = row(ctx.value());
      ctx.setValue({ out: [...v.out, event.id], in: v.in });
      ctx.loopback(event.to, { id: event.id });
    }),
    loopback(json<{ id: string }>(), (ctx, m) => {
      const v = row(ctx.value());
      ctx.setValue({ out: v.out, in: [...v.in, m.id] });
    }),
  );
}

/** What the table must hold: per key, the ids it sent (`out`) and received (`in`), in order. */
export class EdgeOracle {
  readonly rows = new Map<string, EdgeRow>();
  private n = 0;

  emit(emitter: Emitter<EdgeEvent>, from: string, to: string): Promise<unknown> {
    const id = `e${this.n++}`;
    const get = (k: string) => {
      let r = this.rows.get(k);
      if (!r) {
        r = { out: [], in: [] };
        this.rows.set(k, r);
      }
      return r;
    };
    get(from).out.push(id);
    get(to).in.push(id);
    return emitter.emit(from, { id, to });
  }

  /** Keys whose table row differs from the oracle's (ids lost, applied twice or reordered). */
  differences(read: (key: string) => EdgeRow | undefined): string[] {
    const wrong: string[] = [];
    for (const [key, want] of this.rows) {
      const got = read(key);
      const same = (a: string[], b: string[]) =>
        [...a].sort().join() === [...b].sort().join() && new Set(a).size === a.length;
      if (!got || !same(got.out, want.out) || !same(got.in, want.in)) wrong.push(key);
    }
    return wrong;
  }
}

/**
 * What a previous owner's late `InitProducerId` does to the current owner of a partition: it
 * registers the transactional id again, which bumps the epoch and fences the producer that
 * uses it. (A partition revoked while its task still registers its id leaves that request
 * running; it may land after the next owner registered.)
 */
export async function fenceTransactionalId(transactionalId: string): Promise<void> {
  const kafka = new Kafka({
    clientId: 'goka-test-fence',
    brokers: testBrokers(),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const transaction = await producer.transaction(); // InitProducerId
    await transaction.abort();
  } finally {
    await producer.disconnect();
  }
}

/**
 * A logger that counts what kafkajs and the library report, for assertions about the
 * broker's answers: kafkajs logs each protocol error answer (at debug through the library's
 * bridge) with the error's message.
 */
export function countingLogger(patterns: Record<string, RegExp>): {
  logger: Logger;
  counts: Record<string, number>;
} {
  const counts: Record<string, number> = Object.fromEntries(Object.keys(patterns).map((k) => [k, 0]));
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = chunk.toString();
      for (const [name, pattern] of Object.entries(patterns)) if (pattern.test(line)) counts[name]!++;
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), counts };
}
