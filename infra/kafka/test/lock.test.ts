import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { withFileLock } from '../src/lock.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kafka-lock-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('the lock is held during the call and released after, also on failure', async () => {
  const lock = join(dir, 'a.lock');
  await withFileLock(lock, async () => expect(existsSync(lock)).toBe(true));
  expect(existsSync(lock)).toBe(false);
  await expect(withFileLock(lock, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  expect(existsSync(lock)).toBe(false);
});

test('a lock left behind by a dead process is taken over', async () => {
  const lock = join(dir, 'b.lock');
  const dead = spawnSync('true').pid; // exited and reaped: its pid belongs to no process
  expect(dead).toBeGreaterThan(0);
  writeFileSync(lock, String(dead));
  expect(await withFileLock(lock, async () => 'ran', { timeoutMs: 2_000 })).toBe('ran');
});

test('callers queue behind each other', async () => {
  const lock = join(dir, 'c.lock');
  const order: string[] = [];
  await Promise.all(
    ['first', 'second'].map((name) =>
      withFileLock(lock, async () => {
        order.push(`${name} in`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        order.push(`${name} out`);
      }),
    ),
  );
  expect(order).toEqual(['first in', 'first out', 'second in', 'second out']);
});
