import { describe, expect, it } from 'vitest';
import { defineGroup, input, join, json, lookup, loopback, output, persist, string } from '../src/index.ts';

const noop = () => undefined;

describe('defineGroup validation', () => {
  it('derives table, loop and dead-letter topic names', () => {
    const g = defineGroup('counter', persist(json<number>()), input('clicks', string(), noop));
    expect([g.table, g.loopTopic, g.deadLetterTopic]).toEqual([
      'counter-table',
      'counter-loop',
      'counter-dlq',
    ]);
    expect(g.codecFor('clicks')?.name).toBe('string');
    expect(g.codecFor('counter-table')?.name).toBe('json');
  });

  it('allows stateless groups', () => {
    const g = defineGroup('router', input('in', string(), noop), output('out', string()));
    expect(g.persist).toBeUndefined();
  });

  it.each([
    ['no input', () => defineGroup('g', persist(string())), /at least one input/],
    [
      'two persists',
      () => defineGroup('g', persist(string()), persist(string()), input('a', string(), noop)),
      /one persist/,
    ],
    [
      'two loopbacks',
      () => defineGroup('g', loopback(string(), noop), loopback(string(), noop), input('a', string(), noop)),
      /one loopback/,
    ],
    [
      'input twice',
      () => defineGroup('g', input('a', string(), noop), input('a', string(), noop)),
      /"a" is declared twice/,
    ],
    ['own table as input', () => defineGroup('g', input('g-table', string(), noop)), /own table "g-table"/],
    [
      'lookup of its own table',
      () => defineGroup('g', persist(string()), lookup('g-table', string()), input('a', string(), noop)),
      /cannot look up its own table "g-table"/,
    ],
    [
      'output to its own table',
      () => defineGroup('g', persist(string()), output('g-table', string()), input('a', string(), noop)),
      /cannot output to its own table "g-table"/,
    ],
    [
      'output to its own loop topic',
      () =>
        defineGroup('g', loopback(string(), noop), output('g-loop', string()), input('a', string(), noop)),
      /cannot output to its own loop topic "g-loop"/,
    ],
    ['own loop as input', () => defineGroup('g', input('g-loop', string(), noop)), /own loop topic "g-loop"/],
    [
      'join own table',
      () => defineGroup('g', input('a', string(), noop), join('g-table', string())),
      /join its own table/,
    ],
    [
      'join twice',
      () => defineGroup('g', input('a', string(), noop), join('t', string()), join('t', string())),
      /join on "t"/,
    ],
    [
      'lookup twice',
      () => defineGroup('g', input('a', string(), noop), lookup('t', string()), lookup('t', string())),
      /lookup on "t"/,
    ],
    [
      'output twice',
      () => defineGroup('g', input('a', string(), noop), output('o', string()), output('o', string())),
      /output topic "o"/,
    ],
    ['bad topic name', () => defineGroup('g', input('a b', string(), noop)), /not a valid topic name/],
    ['bad group name', () => defineGroup('', input('a', string(), noop)), /not a valid topic name/],
  ])('rejects %s with a message naming the group', (_name, define, message) => {
    expect(define).toThrow(message);
  });

  it('names the group in its errors', () => {
    expect(() => defineGroup('spam-detector', persist(string()))).toThrow('group "spam-detector"');
  });
});
