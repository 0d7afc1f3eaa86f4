import { type ModelState, resolveSegment } from './state.ts';

/** A stored segment id as it is now: merged or pruned ids lead to the segment that took them. */
export const currentSegment = (model: ModelState | undefined, id: number | null): number | null =>
  id === null || !model ? id : (resolveSegment(model, id) ?? id);
