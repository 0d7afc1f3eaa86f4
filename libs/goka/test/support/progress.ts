import { setTimeout as sleep } from 'node:timers/promises';

export interface ProgressOptions {
  /** How long nothing may move before the wait fails: the longest a healthy run may stand still. */
  readonly stallMs: number;
  readonly intervalMs?: number;
  readonly what: string;
  /** Appended to the failure: the state of everything, to tell a hang from a slow machine. */
  readonly describe?: () => string;
  /** Ends the wait quietly (the test is over). */
  readonly cancelled?: () => boolean;
}

/**
 * Waits for `check` as long as the system under test makes progress: fails only when
 * `progress()` — a signature of everything that moves (records processed, recovered, offsets
 * committed) — stayed the same for `stallMs`. A loaded machine makes a run slower, not stuck,
 * so a wall-clock limit would fail healthy runs there; a real hang still fails, after `stallMs`.
 */
export async function whileProgressing(
  check: () => boolean | Promise<boolean>,
  progress: () => string | Promise<string>,
  { stallMs, intervalMs = 100, what, describe, cancelled }: ProgressOptions,
): Promise<void> {
  let last = await progress();
  let movedAt = Date.now();
  for (;;) {
    if (cancelled?.() || (await check())) return;
    const now = await progress();
    if (now !== last) {
      last = now;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      const state = describe ? `\n${describe()}` : '';
      throw new Error(`waiting for ${what}: nothing moved for ${stallMs} ms${state}`);
    }
    await sleep(intervalMs);
  }
}
