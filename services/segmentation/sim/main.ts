/**
 * `npm run simulate -- segmentation [options]`: a seeded population of behavioural archetypes
 * driven through anti-spam, edge-set and match-search over HTTP (simulate.ts starts all four
 * services on one broker), then a drift; prints the ARI over time next to batch k-means.
 * `--direct`: no other services — the service runs in this process on an in-memory cluster and
 * the events go straight into the contract topics (also: `npx tsx services/segmentation/sim/main.ts --direct`).
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { exitWhenWritten, optionNumber } from '@showcase/simkit';
import { directDriver } from './direct-driver.ts';
import type { Driver } from './driver.ts';
import { type ExperimentResult, runExperiment } from './experiment.ts';
import { httpDriver } from './http-driver.ts';

export const usage = `npm run simulate -- segmentation [--direct] [--users 600] [--archetypes 5] [--before 150]
  [--after 150] [--drift 0.3] [--every 10] [--seed 1] [--concurrency 64] [--json]
  --direct   in-process service on a memory cluster, events straight into the contract topics
             (no anti-spam / edge-set / match-search needed)`;

const direct = process.argv.includes('--direct');

/** The services simulate.ts starts: the whole platform, or none besides us in direct mode. */
export const services: readonly string[] = direct
  ? ['segmentation']
  : ['anti-spam', 'edge-set', 'match-search', 'segmentation'];

interface Target {
  readonly url: string;
  readonly urls: Readonly<Record<string, string>>;
  readonly secret: string;
}

export async function simulate(target: Target | undefined, args: string[]): Promise<ExperimentResult> {
  const { values } = parseArgs({
    args,
    options: {
      direct: { type: 'boolean', default: false },
      users: { type: 'string', default: '600' },
      archetypes: { type: 'string', default: '5' },
      before: { type: 'string', default: '150' },
      after: { type: 'string', default: '150' },
      drift: { type: 'string', default: '0.3' },
      every: { type: 'string', default: '10' },
      seed: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '' },
      json: { type: 'boolean', default: false },
    },
  });
  const number = optionNumber;
  const useDirect = values.direct || !target;
  const driver: Driver = useDirect ? await directDriver() : httpDriver(target.urls, target.secret);
  const log = (line: string) => (values.json ? console.error : console.log)(`[segmentation] ${line}`);
  try {
    const result = await runExperiment(driver, {
      users: number('users', values.users, 10, 100_000),
      archetypes: number('archetypes', values.archetypes, 2, 5),
      eventsBefore: number('before', values.before, 1, 10_000),
      eventsAfter: number('after', values.after, 0, 10_000),
      driftShare: number('drift', values.drift, 0, 1),
      measureEvery: number('every', values.every, 1, 10_000),
      seed: number('seed', values.seed, 0, 2 ** 31),
      concurrency: number('concurrency', values.concurrency || (useDirect ? '512' : '48'), 1, 10_000),
      log,
    });
    const before = result.checkpoints.filter((c) => c.phase === 'before').at(-1);
    const after = result.checkpoints.filter((c) => c.phase === 'after').at(-1);
    log('--- summary');
    if (before) {
      log(
        `before drift: ARI ${before.ari.toFixed(3)} vs batch k-means ${before.batchAri.toFixed(3)} ` +
          `(ratio ${(before.ari / before.batchAri).toFixed(2)}), ${before.segments} segments learned`,
      );
    }
    if (after) {
      log(
        `after drift:  ARI ${after.ari.toFixed(3)} vs batch k-means ${after.batchAri.toFixed(3)} ` +
          `(ratio ${(after.ari / after.batchAri).toFixed(2)}); back at ≥ 0.8 after ` +
          `${result.recoveryEvents ?? 'never within'} own events per user`,
      );
    }
    log(
      `${result.totalEvents} events, ${Math.round(result.eventsPerSecond)} events/s written and taken in (${driver.name})`,
    );
    if (values.json) console.log(JSON.stringify(result, null, 2));
    return result;
  } finally {
    await driver.close();
  }
}

// Run directly (`npx tsx .../main.ts --direct`): no simulate.ts around us.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  simulate(undefined, process.argv.slice(2)).then(
    () => exitWhenWritten(0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      exitWhenWritten(1);
    },
  );
}
