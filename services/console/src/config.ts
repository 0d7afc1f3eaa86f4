import { ConfigError, type ConfigOf, env } from '@showcase/service-kit';

export const DEFAULT_PORT = 4100;

/** The contract's ports (docs/contracts.md): what the console watches when told nothing else. */
export const DEFAULT_SERVICES =
  'anti-spam=http://127.0.0.1:4101,match-search=http://127.0.0.1:4102,edge-set=http://127.0.0.1:4103,' +
  'recommender=http://127.0.0.1:4104,segmentation=http://127.0.0.1:4105';

export const consoleEnv = {
  CONSOLE_SERVICES: env.string({
    default: DEFAULT_SERVICES,
    doc: 'services to watch: name=http://host:port,… (each must expose the service-kit /admin routes)',
  }),
  UPSTREAM_TIMEOUT_MS: env.int({
    default: 3000,
    min: 100,
    max: 60_000,
    doc: 'how long the console waits for a service before showing it as unreachable',
  }),
  LIVE_INTERVAL_MS: env.int({
    default: 1000,
    min: 200,
    max: 60_000,
    doc: 'group status refresh on the live feed',
  }),
};

export type ConsoleConfig = ConfigOf<typeof consoleEnv>;

export interface Upstream {
  readonly name: string;
  /** Base URL without trailing slash. */
  readonly url: string;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

/** `a=http://h:1,b=http://h:2` → upstreams; every mistake is reported, naming the entry. */
export function parseServices(value: string): Upstream[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const upstreams: Upstream[] = [];
  for (const entry of value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const eq = entry.indexOf('=');
    const name = eq > 0 ? entry.slice(0, eq).trim() : '';
    const raw = eq > 0 ? entry.slice(eq + 1).trim() : '';
    if (!NAME.test(name)) {
      problems.push(`CONSOLE_SERVICES entry "${entry}" must be name=http://host:port`);
      continue;
    }
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      problems.push(`CONSOLE_SERVICES entry "${entry}": "${raw}" is not a URL`);
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      problems.push(`CONSOLE_SERVICES entry "${entry}": only http and https URLs`);
      continue;
    }
    if (seen.has(name)) {
      problems.push(`CONSOLE_SERVICES names "${name}" twice`);
      continue;
    }
    seen.add(name);
    upstreams.push({ name, url: url.href.replace(/\/+$/, '') });
  }
  if (upstreams.length === 0 && problems.length === 0) problems.push('CONSOLE_SERVICES names no service');
  if (problems.length > 0) throw new ConfigError(problems);
  return upstreams;
}
