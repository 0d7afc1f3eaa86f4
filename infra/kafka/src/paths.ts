import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KAFKA_VERSION, SCALA_VERSION } from './versions.ts';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Git-ignored home of the Maven repo, the broker jars and the dev broker's state and data. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.KAFKA_CACHE_DIR || resolve(packageDir, '.cache'));
}

export function distributionDir(cache = cacheDir()): string {
  return resolve(cache, `kafka_${SCALA_VERSION}-${KAFKA_VERSION}`);
}

export function libsDir(cache = cacheDir()): string {
  return resolve(distributionDir(cache), 'libs');
}

/** Written last, after every jar is in place: its presence means "download complete". */
export function jarsMarker(cache = cacheDir()): string {
  return resolve(distributionDir(cache), '.complete');
}

export function mavenRepoDir(cache = cacheDir()): string {
  return resolve(cache, 'm2');
}

/** The state file of the long-lived dev broker (`npm run kafka -- start`, `npm start`). */
export function stateFile(cache = cacheDir()): string {
  return resolve(cache, 'broker.json');
}

export function devDataDir(cache = cacheDir()): string {
  return resolve(cache, 'data');
}
