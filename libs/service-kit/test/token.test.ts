import { execFileSync, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimProblem, DEV_AUTH_SECRET, mintToken, verifyToken } from '../src/index.ts';

const root = resolve(import.meta.dirname, '..', '..', '..');
const SECRET = 'a-secret-of-at-least-32-bytes-0123';

/** A token with arbitrary claims, signed like mintToken (which refuses bad input itself). */
function signClaims(claims: object, secret = SECRET): string {
  const head = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

describe('tokens', () => {
  it('mints HS256 tokens that verify with the same secret only', () => {
    const t = mintToken({ secret: SECRET, user: 'u1', admin: true });
    expect(verifyToken(t, SECRET)).toMatchObject({ sub: 'u1', role: 'admin' });
    expect(verifyToken(t, `${SECRET}-other`)).toBeUndefined();
    const expired = mintToken({ secret: SECRET, user: 'u1', ttlSeconds: 10, now: 100 });
    expect(verifyToken(expired, SECRET, 200)).toBeUndefined();
  });

  it('mints what any HS256 implementation verifies, and verifies what one signs (the hand-made signClaims)', () => {
    const t = mintToken({ secret: SECRET, user: 'u1', admin: true, ttlSeconds: 3600, now: 1_000 });
    const [head, body, sig] = t.split('.');
    expect(JSON.parse(Buffer.from(head!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(body!, 'base64url').toString())).toEqual({
      sub: 'u1',
      role: 'admin',
      iat: 1_000,
      exp: 4_600,
    });
    expect(sig).toBe(createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url'));
    const signed = signClaims({ sub: 'u2', iat: 1_000, exp: 2_000 });
    expect(verifyToken(signed, SECRET, 1_500)).toEqual({ sub: 'u2', iat: 1_000, exp: 2_000 });
    // An unsigned token ("alg": "none") and a tampered body are refused.
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${signed.split('.')[1]}.`;
    expect(verifyToken(none, SECRET, 1_500)).toBeUndefined();
    const tampered = `${signed.split('.')[0]}.${Buffer.from('{"sub":"admin","iat":1000,"exp":2000}').toString('base64url')}.${signed.split('.')[2]}`;
    expect(verifyToken(tampered, SECRET, 1_500)).toBeUndefined();
  });

  it('minting refuses subjects that are not user ids (look-alikes with invisible characters)', () => {
    expect(() => mintToken({ secret: SECRET, user: 'alice\u200b' })).toThrow(/not a valid user id/);
    expect(() => mintToken({ secret: SECRET, user: 'a b' })).toThrow(/not a valid user id/);
    expect(() => mintToken({ secret: SECRET, user: 'x'.repeat(65) })).toThrow(/not a valid user id/);
    expect(mintToken({ secret: SECRET, user: '__proto__' })).toEqual(expect.any(String));
  });

  it('claim rules: valid sub, exp required, bounded lifetime, iat not in the future', () => {
    const now = 1_000_000;
    expect(claimProblem({ sub: 'u1', iat: now, exp: now + 3600 }, now)).toBeUndefined();
    expect(claimProblem({ sub: 'alice\u200b', iat: now, exp: now + 60 }, now)).toMatch(/user id/);
    expect(claimProblem({ sub: 'u1', iat: now }, now)).toMatch(/no expiry/);
    expect(claimProblem({ sub: 'u1', iat: now, exp: now + 8 * 86400 }, now)).toMatch(/lifetime/);
    expect(claimProblem({ sub: 'u1', exp: now + 8 * 86400 }, now)).toMatch(/lifetime/);
    expect(claimProblem({ sub: 'u1', iat: now + 3600, exp: now + 7200 }, now)).toMatch(/future/);
    // Small clock skew is tolerated.
    expect(claimProblem({ sub: 'u1', iat: now + 30, exp: now + 3600 }, now)).toBeUndefined();
    expect(claimProblem({ sub: 'u1', iat: now, exp: now + 3600 }, now, { maxTtlSeconds: 600 })).toMatch(
      /lifetime/,
    );
    expect(verifyToken(signClaims({ sub: 'u1', iat: 10 }), SECRET, 20)).toBeUndefined();
  });

  it('npm run token prints only the token, with an expiry, and refuses bad input', () => {
    const tsx = resolve(root, 'node_modules', '.bin', 'tsx');
    const cli = resolve(root, 'libs/service-kit/src/cli/token.ts');
    const run = (args: string[], env: Record<string, string>) =>
      execFileSync(tsx, [cli, ...args], {
        env: { PATH: process.env.PATH ?? '', ...env },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const out = run(['--user', 'u1', '--admin'], { AUTH_SECRET: SECRET });
    expect(out).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const claims = verifyToken(out.trim(), SECRET)!;
    expect(claims).toMatchObject({ sub: 'u1', role: 'admin' });
    expect(claims.exp! - claims.iat!).toBe(24 * 3600);
    const dev = run(['--user', 'u2'], { NODE_ENV: 'development' }).trim();
    expect(verifyToken(dev, DEV_AUTH_SECRET)).toMatchObject({ sub: 'u2' });
    const fails = (args: string[], env: Record<string, string>) => {
      const r = spawnSync(tsx, [cli, ...args], {
        env: { PATH: process.env.PATH ?? '', ...env },
        encoding: 'utf8',
      });
      expect(r.status).not.toBe(0);
      expect(r.stdout).toBe('');
      return r.stderr;
    };
    expect(fails(['--user', 'u3'], {})).toMatch(/AUTH_SECRET is not set/);
    expect(fails(['--user', 'u3'], { AUTH_SECRET: 'short-secret' })).toMatch(/at least 32 bytes/);
    expect(fails(['--user', 'alice\u200b'], { AUTH_SECRET: SECRET })).toMatch(/valid user id/);
    expect(fails(['--user', 'u3', '--ttl', '0'], { AUTH_SECRET: SECRET })).toMatch(/--ttl/);
  }, 60_000);
});
