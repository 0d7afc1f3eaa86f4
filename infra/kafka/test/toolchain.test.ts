import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import {
  findExecutable,
  parseJavaMajor,
  requireJava,
  requireMaven,
  ToolchainError,
} from '../src/toolchain.ts';

test('parseJavaMajor reads modern and 1.x version strings', () => {
  expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
  expect(parseJavaMajor('openjdk version "21" 2023-09-19')).toBe(21);
  expect(parseJavaMajor('java version "1.8.0_392"')).toBe(8);
  expect(parseJavaMajor('bash: java: command not found')).toBeUndefined();
});

test('a missing java or mvn fails at once with what to install or to use docker compose', () => {
  const env = { PATH: '/nonexistent' };
  expect(() => requireJava(env)).toThrow(ToolchainError);
  expect(() => requireJava(env)).toThrow(
    /install Java 17\+ and Maven, or use `docker compose up` and set KAFKA_BROKERS/,
  );
  expect(() => requireMaven(env)).toThrow(/`mvn`.*install Java 17\+ and Maven, or use `docker compose up`/);
});

test('an old java is refused with the same advice', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fake-java-'));
  try {
    const java = join(dir, 'java');
    writeFileSync(java, '#!/bin/sh\necho \'java version "1.8.0_392"\' >&2\n');
    chmodSync(java, 0o755);
    expect(findExecutable('java', { PATH: dir })).toBe(java);
    expect(() => requireJava({ PATH: dir })).toThrow(/needs Java 17\+, but .* is Java 8/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('JAVA_HOME wins over PATH', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fake-java-home-'));
  try {
    const java = join(dir, 'bin', 'java');
    expect(findExecutable('java', { JAVA_HOME: dir, PATH: '/nonexistent' })).toBeUndefined();
    mkdirSync(join(dir, 'bin'));
    writeFileSync(java, '#!/bin/sh\n');
    chmodSync(java, 0o755);
    expect(findExecutable('java', { JAVA_HOME: dir, PATH: '/usr/bin' })).toBe(java);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
