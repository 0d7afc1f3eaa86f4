import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { kafkaLogger } from '../src/index.ts';

function capture() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pino({ name: 'svc', level: 'info' }, stream) };
}

describe('kafkaLogger', () => {
  it('kafkajs at warn; expected fresh-broker errors downgraded to warn, real errors stay errors', async () => {
    const { lines, logger } = capture();
    const kafka = kafkaLogger(logger);
    kafka.info({ kafkajs: 'Consumer' }, 'kafkajs: Starting');
    kafka.error(
      { kafkajs: 'Consumer' },
      'kafkajs: Crash: KafkaJSProtocolError: This server does not host this topic-partition',
    );
    kafka.error(
      { kafkajs: 'Producer' },
      'kafkajs: Failed to send: KafkaJSNonRetriableError: broker unreachable',
    );
    await new Promise((r) => setTimeout(r, 10));
    expect(lines.map((l) => [l.level, l.msg.slice(0, 22)])).toEqual([
      [40, 'kafkajs: Crash: KafkaJ'],
      [50, 'kafkajs: Failed to sen'],
    ]);
  });
});
