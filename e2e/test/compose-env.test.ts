import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { antiSpamEnv } from '@showcase/anti-spam';
import { consoleEnv, parseServices } from '@showcase/console';
import { edgeSetEnv } from '@showcase/edge-set';
import { matchSearchEnv } from '@showcase/match-search';
import { recommenderEnv } from '@showcase/recommender';
import { segmentationEnv } from '@showcase/segmentation';
import { baseEnvSpec, ConfigError, type EnvSpec, loadConfig } from '@showcase/service-kit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * Every variable docker-compose.yml hands a service is one its configuration reads, with a value
 * it accepts. A misspelt or retired variable (`KAFKA_BROKER`, `PARTITION`) is otherwise silently
 * ignored: the service starts on its default and nobody notices. Each service's config module
 * exports its env spec; service-kit adds the variables every service reads (`baseEnvSpec`).
 */
const SPECS: ReadonlyMap<string, EnvSpec> = new Map<string, EnvSpec>([
  ['anti-spam', antiSpamEnv],
  ['match-search', matchSearchEnv],
  ['edge-set', edgeSetEnv],
  ['recommender', recommenderEnv],
  ['segmentation', segmentationEnv],
  ['console', consoleEnv],
]);

interface ComposeFile {
  services: Record<string, { environment?: Record<string, string | number | boolean | null> | string[] }>;
}
const compose = parse(
  readFileSync(resolve(import.meta.dirname, '..', '..', 'docker-compose.yml'), 'utf8'),
) as ComposeFile;
const blocks = Object.keys(compose.services).filter((name) => name !== 'kafka');

/** A block's environment as the container sees it (`${AUTH_SECRET:?…}` set as the user must). */
function environmentOf(name: string): Map<string, string> {
  const raw = compose.services[name]?.environment ?? {};
  const pairs = Array.isArray(raw)
    ? raw.map((entry): [string, string] => {
        const eq = entry.indexOf('=');
        return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
      })
    : Object.entries(raw).map(([k, v]): [string, string] => [k, v === null ? '' : String(v)]);
  const secret = 'a-secret-of-at-least-thirty-two-bytes-for-the-test';
  return new Map(pairs.map(([k, v]) => [k, v.replace(/\$\{AUTH_SECRET:\?[^}]*\}/g, secret)]));
}

const specOf = (name: string): EnvSpec => {
  const own = SPECS.get(name);
  if (!own) throw new Error(`no env spec known for the Compose block "${name}": add its config export here`);
  return { ...baseEnvSpec(0), ...own };
};

describe('docker-compose.yml: every service variable is one its config accepts', () => {
  it('knows the env spec of every service block', () => {
    expect(blocks.filter((name) => !SPECS.has(name))).toEqual([]);
    expect(blocks.length).toBe(SPECS.size);
  });

  it.each(blocks)('%s: every variable set in Compose is read by its config', (name) => {
    const accepted = new Set(Object.keys(specOf(name)));
    const unread = [...environmentOf(name).keys()].filter((k) => !accepted.has(k)).sort();
    expect(unread).toEqual([]);
  });

  it.each(blocks)('%s: gets the broker and a data dir in Compose if its config reads them', (name) => {
    const accepted = new Set(Object.keys(specOf(name)));
    const set = environmentOf(name);
    // Stream services read these two (streamEnvSpec); without them a container would run on defaults
    // meant for a developer's machine (127.0.0.1:9092, ./.data).
    for (const key of ['KAFKA_BROKERS', 'DATA_DIR'])
      if (accepted.has(key)) expect(set.has(key), `${name} ${key}`).toBe(true);
  });

  it.each(blocks)('%s: the values parse (the service would start with them)', (name) => {
    const env = Object.fromEntries(environmentOf(name));
    const config = loadConfig(specOf(name), env);
    expect(config.PORT).toBe(Number(env.PORT));
    if (name === 'console') expect(parseServices(String(config.CONSOLE_SERVICES)).length).toBe(5);
  });

  it('the check bites: a misspelt variable and a bad value are caught', () => {
    const accepted = new Set(Object.keys(specOf('edge-set')));
    expect(accepted.has('KAFKA_BROKER')).toBe(false);
    expect(accepted.has('GUARANTEE')).toBe(true);
    const env = { ...Object.fromEntries(environmentOf('edge-set')), GUARANTEE: 'at-most-once' };
    expect(() => loadConfig(specOf('edge-set'), env)).toThrow(ConfigError);
  });
});
