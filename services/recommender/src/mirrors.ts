import type { BlockState, UserState } from '@showcase/contracts';
import { TableMirror, type View } from '@showcase/goka';
import { isSoundRow, type LearnerConfig, type ModelRow, rowFor } from './model.ts';
import type { Searchable } from './ranker.ts';

/**
 * The ranker's in-memory copies of three tables, each keeping only what ranking needs. Made
 * before the views start (the service's context), so each is complete when its view runs.
 */
export interface Mirrors {
  /** Users with a profile and a valid location. */
  readonly users: TableMirror<UserState, Searchable>;
  /** Model rows, fitted to the learner's config, sound ones only. */
  readonly model: TableMirror<ModelRow, ModelRow>;
  /** The spam-blocked users. */
  readonly spamBlocked: TableMirror<BlockState, true>;
}

const validLocation = (l: { lat: number; lon: number } | undefined): l is { lat: number; lon: number } =>
  l !== undefined &&
  Number.isFinite(l.lat) &&
  Number.isFinite(l.lon) &&
  Math.abs(l.lat) <= 90 &&
  Math.abs(l.lon) <= 180;

export function createMirrors(
  views: { users: View<UserState>; model: View<ModelRow>; spamBlocks: View<BlockState> },
  learner: LearnerConfig,
): Mirrors {
  return {
    users: new TableMirror(views.users, (_key, state: UserState) =>
      state.profile && validLocation(state.location)
        ? { profile: state.profile, location: { lat: state.location.lat, lon: state.location.lon } }
        : undefined,
    ),
    model: new TableMirror(views.model, (key, row: ModelRow) => {
      const fitted = rowFor(key, row, learner);
      return isSoundRow(fitted, learner.factors) ? fitted : undefined;
    }),
    spamBlocked: new TableMirror(views.spamBlocks, (_key, state: BlockState) =>
      state.blocked ? (true as const) : undefined,
    ),
  };
}
