/**
 * `npm run token -- --user u1 [--admin] [--ttl 3600]` prints a dev bearer token signed with
 * AUTH_SECRET (or, with NODE_ENV=development and no AUTH_SECRET, the built-in dev secret that
 * services use in the same situation).
 */
import { parseArgs } from 'node:util';
import { DEV_AUTH_SECRET, MIN_SECRET_LENGTH, mintToken } from '../token.ts';

const usage = 'usage: npm run token -- --user <id> [--admin] [--ttl <seconds>]';

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
    console.log(usage);
    return 0;
  }
  if (!values.user) {
    console.error(`--user is required\n${usage}`);
    return 2;
  }
  const ttl = values.ttl === undefined ? 24 * 3600 : Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 0) {
    console.error(`--ttl must be a whole number of seconds (got "${values.ttl}")`);
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
  } else if (secret.length < MIN_SECRET_LENGTH) {
    console.error(`AUTH_SECRET must be at least ${MIN_SECRET_LENGTH} characters long`);
    return 1;
  }
  console.log(mintToken({ secret, user: values.user, admin: values.admin ?? false, ttlSeconds: ttl }));
  return 0;
}

process.exitCode = main();
