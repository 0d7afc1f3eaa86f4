/**
 * The anti-spam simulator's options: the usage text and the parser (simkit's bounded numbers),
 * so that bad options fail before simulate.ts starts a broker and the services.
 */
import { parseArgs } from 'node:util';
import { optionNumber } from '@showcase/simkit';

export const usage = `npm run simulate -- anti-spam [options]
  --users <n>          population size (default 500)
  --spam-ratio <r>     share of spam operators (default 0.06); farms and returners run
                       several accounts each
  --rounds <n>         rounds of traffic (default 30)
  --warmup <n>         rounds of normal traffic before the first spam (default 5)
  --round-ms <ms>      minimum duration of a round (default 300)
  --concurrency <n>    parallel HTTP requests (default 24)
  --seed <n>           PRNG seed (default 42)
  --probes <n>         latency probes at most during the traffic (default 200), and as many
                       again on the idle service afterwards
  --json <file>        also write the report as JSON`;

export interface Options {
  users: number;
  spamRatio: number;
  rounds: number;
  warmup: number;
  roundMs: number;
  concurrency: number;
  seed: number;
  probes: number;
  json: string | undefined;
}

export function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: {
      users: { type: 'string', default: '500' },
      'spam-ratio': { type: 'string', default: '0.06' },
      rounds: { type: 'string', default: '30' },
      warmup: { type: 'string', default: '5' },
      'round-ms': { type: 'string', default: '300' },
      concurrency: { type: 'string', default: '24' },
      seed: { type: 'string', default: '42' },
      probes: { type: 'string', default: '200' },
      json: { type: 'string' },
    },
    allowPositionals: false,
  });
  const num = optionNumber;
  return {
    users: Math.round(num('users', values.users, 10, 100_000)),
    spamRatio: num('spam-ratio', values['spam-ratio'], 0.001, 0.9),
    rounds: Math.round(num('rounds', values.rounds, 1, 10_000)),
    warmup: Math.round(num('warmup', values.warmup, 0, 10_000)),
    roundMs: num('round-ms', values['round-ms'], 0, 60_000),
    concurrency: Math.round(num('concurrency', values.concurrency, 1, 512)),
    seed: Math.round(num('seed', values.seed, 0, 2 ** 32 - 1)),
    probes: Math.round(num('probes', values.probes, 0, 100_000)),
    json: values.json,
  };
}

/** Bad options fail before simulate.ts starts a broker and the services. */
export function validate(args: string[]): void {
  parseOptions(args);
}
