import { defineGroup, input, output, persist } from '@showcase/goka';
import type { DestinationState, DestinationVerdict } from '../model.ts';
import { destinationEvents, destinationVerdicts, groups, tables } from '../topics.ts';

/** Senders remembered per destination (to warn them), and members of each set. */
const MAX_SENDERS = 64;
const MAX_SET = 16;
/** Senders with conversations of their own that make a destination good. */
const GOOD_ESTABLISHED = 3;
/** Distinct senders from which a destination that is neither good nor bad is common. */
const COMMON_SENDERS = 8;
/** Blocked senders must be at least one in this many of the remembered senders for "bad". */
const BLOCKED_SHARE = 4;

const add = (list: readonly string[], id: string, max: number): readonly string[] =>
  list.includes(id) ? list : [...list, id].slice(-max);

/**
 * A destination's reputation from everyone who sent it (campaign similarity across senders).
 * Bad: accounts that were blocked sent it, at least one in four of its (recent) senders, and
 * fewer than three senders with conversations of their own per blocked one did — what a
 * returner's new account or the rest of a farm sends. Good: three or
 * more senders with conversations of their own sent it and no blocked one outweighs them — a
 * video site, a music service, a map. Common: neither, but eight or more accounts sent it. When a destination turns bad, every remembered sender
 * hears it (farm accounts that already went quiet are blocked too); a later sender hears the
 * verdict on its first use.
 */
export function reputationOf(
  state: Pick<DestinationState, 'blocked' | 'established' | 'senders'>,
): DestinationState['reputation'] {
  // A campaign's accounts are most of its destination's senders; one wrongly blocked person
  // among the many senders of a popular link does not make it bad (and cannot start a cascade
  // of blocks of everyone without conversations who shares it).
  const share = state.blocked.length * BLOCKED_SHARE >= Math.min(state.senders.length, MAX_SENDERS);
  if (
    state.blocked.length >= 1 &&
    share &&
    state.established.length < GOOD_ESTABLISHED * state.blocked.length
  )
    return 'bad';
  if (state.established.length >= GOOD_ESTABLISHED) return 'good';
  // Many accounts send it and it is not (yet) good or bad: a popular link before people with
  // conversations vouched for it (a platform's first hours); a campaign has a few accounts.
  if (state.senders.length >= COMMON_SENDERS) return 'common';
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
        reputation: next.reputation as DestinationVerdict['reputation'],
        why:
          next.reputation === 'bad'
            ? why(next)
            : next.reputation === 'good'
              ? 'a destination many people with conversations send'
              : 'a destination many accounts send',
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
