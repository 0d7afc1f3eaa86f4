import { logLevel } from 'kafkajs';
import { pino } from 'pino';
import { expect, test } from 'vitest';
import { kafkajsLogCreator } from '../src/cluster/kafka/kafkajs-logger.ts';

function capture() {
  const lines: { level: number; msg: string; kafkajs: string }[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const log = kafkajsLogCreator(logger)(logLevel.DEBUG);
  const emit = (level: logLevel, namespace: string, message: string, fields: Record<string, unknown> = {}) =>
    log({ namespace, level, label: '', log: { message, timestamp: '', logger: 'kafkajs', ...fields } });
  return { lines, emit };
}

test('kafkajs warnings reach pino as warnings, tagged with the namespace', () => {
  const { lines, emit } = capture();
  emit(logLevel.WARN, 'Consumer', 'something worth a look');
  expect(lines).toMatchObject([{ level: 40, kafkajs: 'Consumer', msg: 'kafkajs: something worth a look' }]);
});

test('handled protocol errors of a connection and the finite-retries notice of each transactional producer go to debug', () => {
  const { lines, emit } = capture();
  emit(logLevel.ERROR, 'Connection', 'Response Metadata: This server does not host this topic-partition');
  emit(
    logLevel.WARN,
    'Producer',
    'Limiting retries for the idempotent producer may invalidate EoS guarantees',
  );
  emit(logLevel.ERROR, 'Consumer', 'Crash: the group coordinator is not available');
  expect(lines.map((l) => [l.level, l.kafkajs])).toEqual([
    [20, 'Connection'],
    [20, 'Producer'],
    [50, 'Consumer'],
  ]);
});

test('a CONCURRENT_TRANSACTIONS answer kafkajs retries goes to debug; the same error without a retry stays an error', () => {
  const { lines, emit } = capture();
  const concurrent =
    'Failed to send messages: The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';
  emit(logLevel.ERROR, 'Producer', concurrent, { retryCount: 0, retryTime: 21 });
  emit(logLevel.ERROR, 'Producer', concurrent);
  emit(logLevel.ERROR, 'Producer', 'Failed to send messages: broker away', { retryCount: 0, retryTime: 300 });
  expect(lines.map((l) => l.level)).toEqual([20, 50, 50]);
});
