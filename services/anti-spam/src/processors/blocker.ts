import { type BlockState, spamBlockEvents, spamBlockTable } from '@showcase/contracts';
import { defineGroup, input, persist } from '@showcase/goka';
import { groups } from '../topics.ts';

const unblocked = (state: BlockState, at: number): BlockState => ({
  ...state,
  blocked: false,
  source: null,
  reason: null,
  since: null,
  score: null,
  updatedAt: at,
});

/**
 * Per user: the authoritative block state, folded from block events (manual, detector,
 * report). Rules: verification lifts detector/report blocks and exempts the user from them
 * afterwards; it never lifts a manual block. An automatic block never overrides a manual one.
 * Only `unblock` (admin) lifts a manual block.
 */
export function blockerGroup() {
  return defineGroup<BlockState>(
    groups.blocker,
    persist(spamBlockTable.codec),
    input(spamBlockEvents.name, spamBlockEvents.codec, (ctx, e) => {
      const state: BlockState = ctx.value() ?? {
        user: ctx.key,
        blocked: false,
        source: null,
        reason: null,
        since: null,
        verified: false,
        score: null,
        updatedAt: e.at,
      };
      switch (e.type) {
        case 'block': {
          if (e.source !== 'manual' && state.verified) return;
          if (e.source !== 'manual' && state.blocked && state.source === 'manual') return;
          if (state.blocked && state.source === e.source && state.reason === e.reason) return;
          ctx.setValue({
            ...state,
            blocked: true,
            source: e.source,
            reason: e.reason,
            since: state.blocked ? (state.since ?? e.at) : e.at,
            score: e.score ?? null,
            updatedAt: e.at,
          });
          return;
        }
        case 'unblock':
          if (state.blocked) ctx.setValue(unblocked(state, e.at));
          return;
        case 'verify': {
          const lift = state.blocked && state.source !== 'manual';
          const next = lift ? unblocked(state, e.at) : state;
          ctx.setValue({ ...next, verified: true, updatedAt: e.at });
          return;
        }
      }
    }),
  );
}
