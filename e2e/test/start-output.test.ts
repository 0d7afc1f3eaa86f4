import { describe, expect, it } from 'vitest';
import { lineFormatter, outputMode } from '../../scripts/start-output.ts';

/** `npm start`'s output: one line per event, service-prefixed on a terminal, JSON lines otherwise. */
describe('npm start output', () => {
  const event = {
    level: 50,
    time: Date.UTC(2026, 0, 1, 12, 0, 1, 123),
    name: 'anti-spam',
    msg: 'processor failed\nsecond line',
    err: {
      type: 'Error',
      message: 'boom',
      stack: 'Error: boom\n    at run (file.ts:1:2)\n    at main (file.ts:3:4)',
    },
    partition: 3,
  };

  it('picks pretty on a terminal, JSON otherwise, LOG_FORMAT overriding both', () => {
    expect(outputMode({}, true)).toBe('pretty');
    expect(outputMode({}, false)).toBe('json');
    expect(outputMode({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(outputMode({ LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
  });

  it('pretty: a multi-line event with an error is one prefixed line with the first stack frame', () => {
    const line = lineFormatter('pretty', { colorize: false }).service('anti-spam#2', JSON.stringify(event));
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(/^\[anti-spam#2\] \[\d\d:\d\d:\d\d\.\d{3}\] ERROR: processor failed ⏎ second line/);
    expect(line).toContain('Error: boom (at run (file.ts:1:2))');
    expect(line).not.toContain('at main');
    expect(line).toContain('"partition":3');
  });

  it("pretty: a stack in a field of its own (kafkajs' lines) is cut to its first frame", () => {
    const kafkajs = {
      level: 40,
      time: 0,
      msg: 'Crash',
      stack: 'KafkaJSError: x\n    at a (f.js:1:1)\n    at b (f.js:2:2)',
    };
    const line = lineFormatter('pretty', { colorize: false }).service('anti-spam', JSON.stringify(kafkajs));
    expect(line).toContain('"stack":"at a (f.js:1:1)"');
    expect(line).not.toContain('at b');
  });

  it('pretty: lines that are not pino events (a crash printed by Node) are prefixed as they are', () => {
    const f = lineFormatter('pretty', { colorize: false });
    expect(f.service('console#1', 'TypeError: x is not a function')).toBe(
      '[console#1] TypeError: x is not a function',
    );
    expect(f.own('stopped')).toBe('[npm start] stopped');
  });

  it('json: every line stays one JSON object, with the instance added', () => {
    const f = lineFormatter('json', { colorize: false });
    expect(JSON.parse(f.service('anti-spam#2', JSON.stringify(event)))).toEqual({
      instance: 'anti-spam#2',
      ...event,
    });
    expect(JSON.parse(f.service('console#1', 'plain text'))).toMatchObject({
      instance: 'console#1',
      msg: 'plain text',
    });
    expect(JSON.parse(f.own('stopped'))).toMatchObject({ name: 'npm start', msg: 'stopped' });
  });
});
