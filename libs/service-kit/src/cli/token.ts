/**
 * `npm run -s token -- --user u1 [--admin] [--ttl 3600]` prints a bearer token signed with
 * AUTH_SECRET (or, with NODE_ENV=development and no AUTH_SECRET, the built-in dev secret that
 * services use in the same situation). Stdout carries the token and nothing else, so
 * `TOKEN=$(npm run -s token -- --user u1)` works (`-s` silences npm's own banner); every
 * message goes to stderr. Tokens expire (default 24 h); services refuse tokens without `exp`.
 */
import { parseArgs } from 'node:util';
import {
  DEFAULT_TOKEN_TTL_S,
  DEV_AUTH_SECRET,
  MIN_SECRET_LENGTH,
  mintToken,
  USER_ID_PATTERN,
} from '../token.ts';

const usage = 'usage: npm run -s token -- --user <id> [--admin] [--ttl <seconds, default 86400>]';

function main(): number {
  let values: { user?: string; admin?: boolean; ttl?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        user: { type: 'string', short: 'u' },
        admin: { type: 'boolean', default: false },
        ttl: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.error(usage);
    return 0;
  }
  if (!values.user) {
    console.error(`--user is required\n${usage}`);
    return 2;
  }
  if (!USER_ID_PATTERN.test(values.user)) {
    console.error(`--user must be a valid user id, ${USER_ID_PATTERN} (got ${JSON.stringify(values.user)})`);
    return 2;
  }
  const ttl = values.ttl === undefined ? DEFAULT_TOKEN_TTL_S : Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0) {
    console.error(`--ttl must be a positive whole number of seconds (got "${values.ttl}")`);
    return 2;
  }
  let secret = process.env.AUTH_SECRET;
  if (!secret) {
    if (process.env.NODE_ENV !== 'development') {
      console.error(
        'AUTH_SECRET is not set (export the secret the services use, or NODE_ENV=development for the dev secret)',
      );
      return 1;
    }
    secret = DEV_AUTH_SECRET;
  } else if (Buffer.byteLength(secret) < MIN_SECRET_LENGTH) {
    console.error(`AUTH_SECRET must be at least ${MIN_SECRET_LENGTH} bytes long`);
    return 1;
  }
  process.stdout.write(
    `${mintToken({ secret, user: values.user, admin: values.admin ?? false, ttlSeconds: ttl })}\n`,
  );
  return 0;
}

process.exitCode = main();
