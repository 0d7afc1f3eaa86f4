import { seeded } from '@showcase/simkit';
import { FEATURE_FLOORS, FEATURE_NAMES } from '../src/features.ts';
import { adjustedRandIndex } from './ari.ts';
import { batchKMeans, standardise } from './batch-kmeans.ts';
import { type Driver, inParallel } from './driver.ts';
import { ARCHETYPES, createPopulation, moveBy, personalMix, pickAction, type SimUser } from './population.ts';

export interface ExperimentOptions {
  readonly users: number;
  readonly archetypes: number;
  /** Own events per user before the drift, and after it. */
  readonly eventsBefore: number;
  readonly eventsAfter: number;
  /** Share of users that switch archetype at the drift. */
  readonly driftShare: number;
  /** Measure every this many own events per user. */
  readonly measureEvery: number;
  readonly seed: number;
  /** Writes in flight at once. */
  readonly concurrency: number;
  readonly log: (line: string) => void;
}

export interface Checkpoint {
  readonly phase: 'before' | 'after';
  /** Own events per user so far (in this phase). */
  readonly events: number;
  readonly ari: number;
  readonly batchAri: number;
  readonly segments: number;
  readonly assigned: number;
}

export interface ExperimentResult {
  readonly driver: string;
  readonly options: Omit<ExperimentOptions, 'log'>;
  readonly checkpoints: Checkpoint[];
  /** Own events per user after the drift until the ARI was back at ≥ 0.8 (null: never). */
  readonly recoveryEvents: number | null;
  readonly eventsPerSecond: number;
  readonly totalEvents: number;
}

/**
 * Drives a seeded population of behavioural archetypes through `driver`, one own event per user
 * and round, then switches a share of users to another archetype (the drift). At every
 * checkpoint it reads every user's prediction and compares it with the archetypes by the adjusted
 * Rand index — next to batch k-means told the true k on the same feature vectors (the offline
 * reference).
 */
export async function runExperiment(driver: Driver, options: ExperimentOptions): Promise<ExperimentResult> {
  const random = seeded(options.seed);
  const k = Math.min(options.archetypes, ARCHETYPES.length);
  const users = createPopulation(options.users, k, random, `sim${options.seed}-`);
  const byId = new Map(users.map((u) => [u.id, u]));
  const likes = new Set<string>();
  let clock = Date.UTC(2026, 0, 1, 12);
  let totalEvents = 0;
  let busyMs = 0;
  const checkpoints: Checkpoint[] = [];

  const other = (u: SimUser) => {
    for (;;) {
      const o = users[Math.floor(random() * users.length)]!;
      if (o !== u) return o;
    }
  };

  const act = async (u: SimUser, at: number) => {
    const archetype = ARCHETYPES[u.archetype]!;
    const action = pickAction(u.weights, random);
    u.ownEvents++;
    switch (action) {
      case 'message': {
        const reply = u.pending.length > 0 && random() < archetype.replyChance;
        const to = reply ? byId.get(u.pending.shift()!)! : other(u);
        if (!to.pending.includes(u.id)) to.pending = [...to.pending, u.id].slice(-20);
        return driver.message(u.id, to.id, at);
      }
      case 'location': {
        u.location = moveBy(u.location, archetype.moveKm * (0.5 + random()), random);
        return driver.location(u.id, u.location, at);
      }
      case 'presence':
        u.online = !u.online;
        return driver.presence(u.id, u.online, at);
      default: {
        const to = other(u);
        await driver.interaction(u.id, to.id, action, at);
        if (action === 'like') {
          likes.add(`${u.id}>${to.id}`);
          if (driver.match && likes.has(`${to.id}>${u.id}`)) {
            await driver.match(u.id, to.id, at);
            await driver.match(to.id, u.id, at);
          }
        }
      }
    }
  };

  const round = async () => {
    const order = [...users];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    clock += 60_000;
    const at = clock;
    const started = performance.now();
    await inParallel(order, options.concurrency, (u) => act(u, at + Math.floor(random() * 50_000)));
    busyMs += performance.now() - started;
    totalEvents += order.length;
  };

  const measure = async (phase: Checkpoint['phase'], events: number) => {
    const started = performance.now();
    await driver.settle(new Map(users.map((u) => [u.id, u.ownEvents])));
    busyMs += performance.now() - started;
    const predictions = new Map<string, Awaited<ReturnType<Driver['prediction']>>>();
    await inParallel(users, 32, async (u) => {
      predictions.set(u.id, await driver.prediction(u.id));
    });
    const truth = users.map((u) => u.archetype);
    const predicted = users.map((u) => predictions.get(u.id)?.segment ?? -1);
    const ari = adjustedRandIndex(truth, predicted);
    const withFeatures = users.filter((u) => Object.keys(predictions.get(u.id)?.features ?? {}).length > 0);
    let batchAri = Number.NaN;
    if (withFeatures.length >= k) {
      const rows = withFeatures.map((u) => FEATURE_NAMES.map((n) => predictions.get(u.id)!.features[n] ?? 0));
      const { labels } = batchKMeans(standardise(rows, FEATURE_FLOORS), k, { seed: options.seed });
      // Users without features yet are one more group, as they are for the service (segment null).
      const batchLabels = users.map((u) => {
        const i = withFeatures.indexOf(u);
        return i >= 0 ? labels[i]! : -1;
      });
      batchAri = adjustedRandIndex(truth, batchLabels);
    }
    const segments = (await driver.segments()).length;
    const assigned = predicted.filter((s) => s !== -1).length;
    const point: Checkpoint = { phase, events, ari, batchAri, segments, assigned };
    checkpoints.push(point);
    options.log(
      `${phase === 'before' ? 'before drift' : 'after drift '} events/user ${String(events).padStart(4)}  ` +
        `ARI ${ari.toFixed(3)}  batch k-means (k=${k}) ${batchAri.toFixed(3)}  ` +
        `ratio ${(ari / batchAri).toFixed(2)}  segments ${segments}  assigned ${assigned}/${users.length}`,
    );
  };

  options.log(
    `${users.length} users, archetypes ${ARCHETYPES.slice(0, k)
      .map((a) => a.name)
      .join(', ')}; driver: ${driver.name}`,
  );
  for (let e = 1; e <= options.eventsBefore; e++) {
    await round();
    if (e % options.measureEvery === 0) await measure('before', e);
  }
  const switched = users.filter(() => random() < options.driftShare);
  for (const u of switched) {
    u.archetype = (u.archetype + 1 + Math.floor(random() * (k - 1))) % k;
    u.weights = personalMix(ARCHETYPES[u.archetype]!, random);
  }
  options.log(`drift: ${switched.length} users (${Math.round(options.driftShare * 100)} %) switch archetype`);
  let recoveryEvents: number | null = null;
  for (let e = 1; e <= options.eventsAfter; e++) {
    await round();
    if (e % options.measureEvery === 0) {
      await measure('after', e);
      if (recoveryEvents === null && checkpoints.at(-1)!.ari >= 0.8) recoveryEvents = e;
    }
  }
  const { log: _log, ...settings } = options;
  return {
    driver: driver.name,
    options: settings,
    checkpoints,
    recoveryEvents,
    eventsPerSecond: (totalEvents * 1000) / busyMs,
    totalEvents,
  };
}
