import { type MessageRecord, produceV8, produceV11 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { createProduceRequest } from '../src/cluster/platformatic/produce-client.ts';

/**
 * The whole Produce request against platformatic's own `createRequest` (v11 flexible, v8 not):
 * several topics, partitions out of order, interleaved records — the same bytes.
 */
function messages(): MessageRecord[] {
  const list: MessageRecord[] = [];
  for (let i = 0; i < 200; i++) {
    list.push({
      topic: i % 3 === 0 ? 'orders' : 'users-\u00e9',
      partition: (i * 7) % 5,
      key: i % 11 === 0 ? undefined : Buffer.from(`key-${i}`),
      value: i % 13 === 0 ? undefined : Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(i) })),
      headers: i % 4 === 0 ? new Map([[Buffer.from('trace'), Buffer.from(`t${i}`)]]) : new Map(),
      timestamp: 1_700_000_000_000n + BigInt(i * 17),
    } as MessageRecord);
  }
  return list;
}

describe('createProduceRequest', () => {
  for (const [name, flexible, theirs] of [
    ['v11', true, produceV11.createRequest],
    ['v8', false, produceV8.createRequest],
  ] as const) {
    it(`writes platformatic's ${name} request bytes`, () => {
      const ours = createProduceRequest(flexible, -1, 30_000, messages() as never).buffer;
      const expected = theirs(-1, 30_000, messages(), {}).buffer;
      expect(ours.toString('hex')).toBe(expected.toString('hex'));
    });
  }
});
