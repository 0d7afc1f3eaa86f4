import { expect, test } from 'vitest';
import { isValidClusterId, newClusterId } from '../src/cluster-id.ts';

test('a cluster id is 16 random bytes in base64url without padding', () => {
  for (let i = 0; i < 200; i++) {
    const id = newClusterId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    expect(isValidClusterId(id)).toBe(true);
  }
});

test('a cluster id never starts with "-" (Kafka rejects those)', () => {
  const dash = Buffer.alloc(16, 0xf8); // 0b111110.. -> index 62 -> '-'
  const plain = Buffer.alloc(16, 0x01);
  const draws = [dash, plain];
  const id = newClusterId(() => draws.shift()!);
  expect(dash.toString('base64url').startsWith('-')).toBe(true);
  expect(id).toBe(plain.toString('base64url'));
});

test('isValidClusterId rejects padding, wrong length and a leading dash', () => {
  expect(isValidClusterId('AAAAAAAAAAAAAAAAAAAAAA==')).toBe(false);
  expect(isValidClusterId('AAAA')).toBe(false);
  expect(isValidClusterId(`-${'A'.repeat(21)}`)).toBe(false);
});
