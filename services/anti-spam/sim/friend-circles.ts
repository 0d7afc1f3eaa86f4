import type { Random } from '@showcase/simkit';

/** Who knows whom: each person's friends, kept symmetric by `link`. */
export interface FriendGraph {
  readonly friends: Map<string, Set<string>>;
  /** Makes a and b friends of each other (a person is never their own friend). */
  link(a: string, b: string): void;
}

/**
 * The social graph's core: people in circles of 4–8 who mostly all know each other (each pair
 * with chance 0.8), in the order given. Callers add links across circles on top. anti-spam's
 * simulator and the platform simulator share it, so both draw the same graph from one seed.
 */
export function friendCircles(r: Random, people: readonly string[]): FriendGraph {
  const friends = new Map<string, Set<string>>(people.map((u) => [u, new Set<string>()]));
  const link = (a: string, b: string): void => {
    if (a === b) return;
    friends.get(a)!.add(b);
    friends.get(b)!.add(a);
  };
  for (let i = 0; i < people.length; ) {
    const size = Math.min(r.int(4, 8), people.length - i);
    const circle = people.slice(i, i + size);
    for (const a of circle) for (const b of circle) if (a < b && r.chance(0.8)) link(a, b);
    i += size;
  }
  return { friends, link };
}
