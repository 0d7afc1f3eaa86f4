import type { LatLon } from '@showcase/geo';
import type { InteractionAction } from './population.ts';

/** What the experiment needs from the platform: write events, read predictions. */
export interface Driver {
  readonly name: string;
  message(from: string, to: string, at: number): Promise<void>;
  interaction(from: string, to: string, type: InteractionAction, at: number): Promise<void>;
  /** Direct mode only: edge-set derives matches itself from the likes it receives. */
  match?(user: string, other: string, at: number): Promise<void>;
  location(user: string, location: LatLon, at: number): Promise<void>;
  presence(user: string, online: boolean, at: number): Promise<void>;
  /** Waits until the service has taken in `expected[user]` own events of these users. */
  settle(expected: ReadonlyMap<string, number>): Promise<void>;
  prediction(user: string): Promise<Prediction>;
  segments(): Promise<{ id: number; size: number; label?: string }[]>;
  close(): Promise<void>;
}

export interface Prediction {
  readonly segment: number | null;
  readonly confidence: number;
  readonly features: Record<string, number>;
  readonly events: number;
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function inParallel<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await task(item);
    }
  });
  await Promise.all(workers);
}
