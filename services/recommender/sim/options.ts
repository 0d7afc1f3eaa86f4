import { parseArgs } from 'node:util';
import { optionNumber } from '@showcase/simkit';

/** The simulator's command line: options, named presets (main.ts runs them). */
export const usage = `npm run simulate -- recommender [options]
  --preset <name>      default | issue24 (400 users near one city, 6 paired kinds, equally popular,
                       40 writers, checkpoints 20,50,100); options below override the preset
  --users <n>          population size (default 400)
  --kinds <n>          kinds of users (default 6); each user prefers --preferred of them (default 2)
  --tastes <t>         random (default) | paired (a partner kind, or its own kind: --partner-share)
  --holdout <r>        share of each user's candidates never swiped, evaluated on (default 0.3)
  --swipes <n>         at most n swipes per user (default: as the holdout allows)
  --checkpoints <list> evaluate after these many swipes per user, e.g. 20,50,100 (default 20,50,100)
  --cold-share <r>     share of cold users, who swipe at most --cold-swipes times (default 0.1, 5)
  --radius <km>        radiusKm of the queries (default 100)
  --concurrency <n>    parallel HTTP requests (default 16)
  --probes <n>         new-like latency probes (default 30)
  --seed <n>           PRNG seed (default 42)
  --json <file>        also write the report as JSON
  --direct             (running this file with tsx only) recommender in-process, no other service
  --offline            (running this file with tsx only) no cluster, no HTTP: the learner's steps
                       and the ranker as function calls, for iterating on the model in seconds
  --env K=V            (with --direct or --offline) recommender settings, e.g. LEARN_RATE=0.05`;

export interface Options {
  preset: string;
  users: number;
  kinds: number;
  preferred: number;
  tastes: 'random' | 'paired';
  partnerShare: number;
  farShare: number;
  holdout: number;
  swipes: number | undefined;
  checkpoints: number[];
  coldShare: number;
  coldSwipes: number;
  radius: number;
  concurrency: number;
  probes: number;
  seed: number;
  json: string | undefined;
  direct: boolean;
  offline: boolean;
  env: Record<string, string>;
}

/** Named populations; `default` is the one the README's earlier figures were measured on. */
const presets: Record<string, Record<string, string>> = {
  default: {},
  // issue 24's independent run: 400 users near one city, 6 kinds with paired tastes, every kind
  // equally popular, 50 swipes per user (here up to 100, evaluated at 20/50/100), 40 writers.
  issue24: {
    tastes: 'paired',
    'far-share': '0',
    swipes: '100',
    checkpoints: '20,50,100',
    concurrency: '40',
  },
};

export function parseOptions(args: string[]): Options {
  const { values: given } = parseArgs({
    args,
    options: {
      preset: { type: 'string', default: 'default' },
      users: { type: 'string' },
      kinds: { type: 'string' },
      preferred: { type: 'string' },
      tastes: { type: 'string' },
      'partner-share': { type: 'string' },
      'far-share': { type: 'string' },
      holdout: { type: 'string' },
      swipes: { type: 'string' },
      checkpoints: { type: 'string' },
      'cold-share': { type: 'string' },
      'cold-swipes': { type: 'string' },
      radius: { type: 'string' },
      concurrency: { type: 'string' },
      probes: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'string' },
      direct: { type: 'boolean', default: false },
      offline: { type: 'boolean', default: false },
      env: { type: 'string', multiple: true, default: [] },
    },
    allowPositionals: false,
  });
  const preset = presets[given.preset ?? 'default'];
  if (!preset) throw new Error(`--preset must be one of ${Object.keys(presets).join(', ')}`);
  const defaults: Record<string, string> = {
    users: '400',
    kinds: '6',
    preferred: '2',
    tastes: 'random',
    'partner-share': '0.8',
    'far-share': '0.05',
    holdout: '0.3',
    checkpoints: '20,50,100',
    'cold-share': '0.1',
    'cold-swipes': '5',
    radius: '100',
    concurrency: '16',
    probes: '30',
    seed: '42',
    ...preset,
  };
  const raw = (name: string): string | undefined =>
    (given as Record<string, unknown>)[name] !== undefined
      ? String((given as Record<string, unknown>)[name])
      : defaults[name];
  const num = (name: string, min: number, max: number) => optionNumber(name, raw(name), min, max);
  const env: Record<string, string> = {};
  for (const kv of given.env ?? []) {
    const [k, ...v] = kv.split('=');
    if (!k) throw new Error('--env needs KEY=VALUE');
    env[k] = v.join('=');
  }
  const kinds = Math.round(num('kinds', 2, 100));
  const tastes = raw('tastes');
  if (tastes !== 'random' && tastes !== 'paired') throw new Error('--tastes must be random or paired');
  const checkpoints = (raw('checkpoints') ?? '')
    .split(',')
    .filter((x) => x.trim() !== '')
    .map((x) => {
      const n = Number(x);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--checkpoints: "${x}" is no positive integer`);
      return n;
    })
    .sort((a, b) => a - b);
  return {
    preset: given.preset ?? 'default',
    users: Math.round(num('users', 20, 20_000)),
    kinds,
    preferred: Math.round(num('preferred', 1, kinds - 1)),
    tastes,
    partnerShare: num('partner-share', 0, 1),
    farShare: num('far-share', 0, 1),
    holdout: num('holdout', 0.05, 0.95),
    swipes: raw('swipes') === undefined ? undefined : Math.round(num('swipes', 1, 100_000)),
    checkpoints,
    coldShare: num('cold-share', 0, 0.9),
    coldSwipes: Math.round(num('cold-swipes', 0, 1000)),
    radius: num('radius', 1, 500),
    concurrency: Math.round(num('concurrency', 1, 256)),
    probes: Math.round(num('probes', 0, 1000)),
    seed: Math.round(num('seed', 0, 2 ** 32 - 1)),
    json: given.json,
    direct: given.direct ?? false,
    offline: given.offline ?? false,
    env,
  };
}
