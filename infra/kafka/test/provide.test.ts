import { expect, test } from 'vitest';
import { brokersFromEnv, parseBrokers } from '../src/provide.ts';

test('KAFKA_BROKERS is a comma-separated host:port list', () => {
  expect(parseBrokers('127.0.0.1:9092')).toEqual(['127.0.0.1:9092']);
  expect(parseBrokers(' kafka:9092 , localhost:9094 ,')).toEqual(['kafka:9092', 'localhost:9094']);
  expect(parseBrokers(undefined)).toBeUndefined();
  expect(parseBrokers('  ')).toBeUndefined();
  expect(() => parseBrokers('localhost')).toThrow(/not host:port/);
});

test('brokersFromEnv explains how to get a broker when none is set', () => {
  expect(() => brokersFromEnv({})).toThrow(/KAFKA_BROKERS is not set.*npm test/);
  expect(brokersFromEnv({ KAFKA_BROKERS: '127.0.0.1:1234' })).toEqual(['127.0.0.1:1234']);
});
