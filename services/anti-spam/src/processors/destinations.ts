import { defineGroup, input, output, persist } from '@showcase/goka';
import type { DestinationState, DestinationVerdict } from '../model.ts';
import { destinationEvents, destinationVerdicts, groups, tables } from '../topics.ts';

/** Senders remembered per destination (to warn them), and members of each set. */
const MAX_SENDERS = 64;
const MAX_SET = 16;
/** Senders with conversations of their own that make a destination good. */
const GOOD_ESTABLISHED = 3;

const add = (list: readonly string[], id: string, max: number): readonly string[] =>
  list.includes(id) ? list : [...list, id].slice(-max);

/**
 * A destination's reputation from everyone who sent it (campaign similarity across senders).
 * Bad: an account that was blocked sent it, and fewer than three senders with conversations
 * of their own did — what a returner's new account or the rest of a farm sends. Good: three or
 * more senders with conversations of their own sent it and no blocked one outweighs them — a
 * video site, a music service, a map. When a destination turns bad, every remembered sender
 * hears it (farm accounts that already went quiet are blocked too); a later sender hears the
 * verdict on its first use.
 */
export function reputationOf(
  state: Pick<DestinationState, 'blocked' | 'established'>,
): DestinationState['reputation'] {
  if (state.blocked.length >= 1 && state.established.length < GOOD_ESTABLISHED * state.blocked.length)
    return 'bad';
  if (state.established.length >= GOOD_ESTABLISHED) return 'good';
  return 'unknown';
}

function why(state: DestinationState): string {
  const n = state.blocked.length;
  return `a destination that ${n} blocked account${n === 1 ? '' : 's'} also sent`;
}

/** Key = normalised destination (link domain, `mail:` address, `tel:` digits). */
export function destinationsGroup() {
  return defineGroup<DestinationState>(
    groups.destinations,
    persist(tables.destinations.codec),
    input(destinationEvents.name, destinationEvents.codec, (ctx, e) => {
      const state: DestinationState = ctx.value() ?? {
        senders: [],
        established: [],
        blocked: [],
        reputation: 'unknown',
        updatedAt: e.at,
      };
      const next0: DestinationState =
        e.type === 'blocked'
          ? { ...state, blocked: add(state.blocked, e.sender, MAX_SET) }
          : {
              ...state,
              senders: add(state.senders, e.sender, MAX_SENDERS),
              established: e.established ? add(state.established, e.sender, MAX_SET) : state.established,
            };
      const next: DestinationState = { ...next0, reputation: reputationOf(next0), updatedAt: e.at };
      ctx.setValue(next);
      if (next.reputation === 'unknown') return;
      const verdict = (): DestinationVerdict => ({
        destination: ctx.key,
        reputation: next.reputation as 'good' | 'bad',
        why: next.reputation === 'bad' ? why(next) : 'a destination many people with conversations send',
        at: e.at,
      });
      if (next.reputation !== state.reputation) {
        // Changed: tell every remembered sender.
        for (const s of next.senders)
          if (!next.blocked.includes(s)) ctx.emit(destinationVerdicts.name, s, verdict());
      } else if (e.type === 'use') {
        ctx.emit(destinationVerdicts.name, e.sender, verdict());
      }
    }),
    output(destinationVerdicts.name, destinationVerdicts.codec),
  );
}
