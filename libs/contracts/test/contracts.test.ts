import { describe, expect, it } from 'vitest';
import { defineTopic, messagesSent, spamBlockEvents, spamBlockTable } from '../src/index.ts';

describe('contracts', () => {
  it('round-trips events through the declared codecs', () => {
    const m = { id: 'm1', from: 'a', to: 'b', text: 'hi', sentAt: 1 };
    expect(messagesSent.codec.decode(messagesSent.codec.encode(m))).toEqual(m);
    const b = {
      type: 'block',
      id: 'e1',
      user: 'a',
      by: 'admin',
      at: 2,
      source: 'manual',
      reason: 'x',
    } as const;
    expect(spamBlockEvents.codec.decode(spamBlockEvents.codec.encode(b))).toEqual(b);
  });

  it('names are unique and the blocker table follows the goka table naming', () => {
    const names = [messagesSent, spamBlockEvents, spamBlockTable].map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect(spamBlockTable.name).toBe('anti-spam-blocker-table');
    expect(spamBlockTable.kind).toBe('table');
  });

  it('rejects invalid topic names at definition time', () => {
    expect(() =>
      defineTopic({
        name: 'bad name',
        key: 'k',
        event: 'E',
        codec: messagesSent.codec,
        kind: 'stream',
        owner: 'x',
        description: '',
      }),
    ).toThrow(/not a valid Kafka topic name/);
  });
});
