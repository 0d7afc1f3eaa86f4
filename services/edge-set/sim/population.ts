import type { InteractionType } from '@showcase/contracts';
import { pick, seeded } from '@showcase/simkit';

/**
 * A population with planted tastes: every user belongs to one of `kinds` and likes users of the
 * kinds it fancies (and passes the others), so mutual likes — matches — happen between users
 * whose tastes meet. Besides swipes: visits, messages to people one likes, rare blocks (and
 * unblocks) and changes of mind (unlike).
 */
export interface SimUser {
  readonly id: string;
  readonly kind: number;
  readonly fancies: ReadonlySet<number>;
  readonly peers: readonly number[];
}

export interface PlannedInteraction {
  readonly from: string;
  readonly to: string;
  readonly type: InteractionType;
}

export function buildPopulation(size: number, seed: number, prefix: string): SimUser[] {
  const random = seeded(seed);
  const kinds = 4;
  return Array.from({ length: size }, (_, i) => {
    const kind = Math.floor(random() * kinds);
    const fancies = new Set([kind, (kind + 1 + Math.floor(random() * (kinds - 1))) % kinds]);
    // Each user meets ~30 others: enough repetition per pair for counts, likes back and matches.
    const peers = Array.from({ length: 30 }, () => Math.floor(random() * size)).filter((p) => p !== i);
    return { id: `${prefix}${String(i).padStart(5, '0')}`, kind, fancies, peers };
  });
}

export function planInteractions(
  users: readonly SimUser[],
  count: number,
  seed: number,
): PlannedInteraction[] {
  const random = seeded(seed ^ 0x5eed);
  const plan: PlannedInteraction[] = [];
  while (plan.length < count) {
    const actor = pick(random, users);
    const peer = users[pick(random, actor.peers)]!;
    const fancied = actor.fancies.has(peer.kind);
    const r = random();
    let type: InteractionType;
    if (r < 0.45) type = fancied ? 'like' : 'pass';
    else if (r < 0.65) type = 'visit';
    else if (r < 0.8) type = fancied ? 'message' : 'visit';
    else if (r < 0.86) type = 'unlike';
    else if (r < 0.9) type = fancied ? 'like' : 'block';
    else if (r < 0.93) type = 'unblock';
    else type = fancied ? 'like' : 'pass';
    plan.push({ from: actor.id, to: peer.id, type });
  }
  return plan;
}
