import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEV_AUTH_SECRET, mintToken, verifyToken } from '../src/index.ts';

const root = resolve(import.meta.dirname, '..', '..', '..');

describe('tokens', () => {
  it('mints HS256 tokens that verify with the same secret only', () => {
    const t = mintToken({ secret: 'a-secret-of-16-chars', user: 'u1', admin: true });
    expect(verifyToken(t, 'a-secret-of-16-chars')).toMatchObject({ sub: 'u1', role: 'admin' });
    expect(verifyToken(t, 'another-secret-0000')).toBeUndefined();
    const expired = mintToken({ secret: 's'.repeat(16), user: 'u1', ttlSeconds: 10, now: 100 });
    expect(verifyToken(expired, 's'.repeat(16), 200)).toBeUndefined();
  });

  it('npm run token mints with AUTH_SECRET, or the dev secret only in development', () => {
    const tsx = resolve(root, 'node_modules', '.bin', 'tsx');
    const cli = resolve(root, 'libs/service-kit/src/cli/token.ts');
    const run = (args: string[], env: Record<string, string>) =>
      execFileSync(tsx, [cli, ...args], {
        env: { PATH: process.env.PATH ?? '', ...env },
        encoding: 'utf8',
      }).trim();
    const t = run(['--user', 'u1', '--admin'], { AUTH_SECRET: 'cli-secret-0123456789' });
    expect(verifyToken(t, 'cli-secret-0123456789')).toMatchObject({ sub: 'u1', role: 'admin' });
    const dev = run(['--user', 'u2'], { NODE_ENV: 'development' });
    expect(verifyToken(dev, DEV_AUTH_SECRET)).toMatchObject({ sub: 'u2' });
    expect(() => run(['--user', 'u3'], {})).toThrow();
  });
});
