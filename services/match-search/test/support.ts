import {
  type BlockState,
  edgePairTable,
  type PairState,
  type Profile,
  pairKey,
  spamBlockTable,
  type UserState,
  type UserUpdate,
  userUpdates,
} from '@showcase/contracts';
import { type Cluster, Emitter, memoryCluster } from '@showcase/goka';
import { mintToken } from '@showcase/service-kit';
import { createMatchSearch } from '../src/service.ts';

export const SECRET = 'match-search-test-secret-0123456789-abcdef';
export const token = (user: string, admin = false) => mintToken({ secret: SECRET, user, admin });
export const auth = (user: string, admin = false) => ({ authorization: `Bearer ${token(user, admin)}` });

/** The whole service on a memory cluster, started and ready; `service.stop()` in afterEach. */
export async function startMatchSearch(
  env: Record<string, string> = {},
  options: { listen?: boolean; cluster?: Cluster } = {},
) {
  const cluster = options.cluster ?? memoryCluster({ partitions: 3 });
  const built = await createMatchSearch({
    cluster,
    env: { AUTH_SECRET: SECRET, LOG_LEVEL: 'silent', PORT: '0', PARTITIONS: '3', ...env },
  });
  const address = await built.service.start({ listen: options.listen ?? false });
  await built.service.whenReady(20_000);
  return { ...built, cluster, address };
}

/**
 * Writes other services' tables as they would (topic contracts): anti-spam's block table and
 * edge-set's pair table, so block rules are tested without those services' code.
 */
export function tableWriters(cluster: Cluster) {
  const spam = new Emitter({ cluster, topic: spamBlockTable.name, codec: spamBlockTable.codec });
  const pairs = new Emitter({ cluster, topic: edgePairTable.name, codec: edgePairTable.codec });
  const updates = new Emitter({ cluster, topic: userUpdates.name, codec: userUpdates.codec });
  const edge = (other: string, type: 'block' | 'like') => ({
    user: other,
    type,
    count: 1,
    first: new Date(0).toISOString(),
    last: new Date(0).toISOString(),
  });
  return {
    spamBlock: (user: string, blocked: boolean) => {
      const state: BlockState = {
        user,
        blocked,
        source: blocked ? 'manual' : null,
        reason: blocked ? 'test' : null,
        since: blocked ? 1 : null,
        verified: false,
        score: null,
        updatedAt: 1,
      };
      return spam.emit(user, state);
    },
    /** Both rows of the pair, as edge-set keeps them: a's out-edge is b's in-edge. */
    blockEdge: async (a: string, b: string, present: boolean) => {
      const ab: PairState = {
        user: a,
        other: b,
        out: present ? [edge(b, 'block')] : [edge(b, 'like')],
        in: [],
      };
      const ba: PairState = {
        user: b,
        other: a,
        out: [],
        in: present ? [edge(a, 'block')] : [edge(a, 'like')],
      };
      await Promise.all([pairs.emit(pairKey(a, b), ab), pairs.emit(pairKey(b, a), ba)]);
    },
    update: (u: UserUpdate) => updates.emit(u.user, u),
    close: async () => {
      await Promise.all([spam.close(), pairs.close(), updates.close()]);
    },
  };
}

let seq = 0;
export const profileUpdate = (user: string, profile: Profile, at = Date.now()): UserUpdate => ({
  id: `p${++seq}`,
  user,
  at,
  type: 'profile',
  profile,
});
export const locationUpdate = (user: string, lat: number, lon: number, at = Date.now()): UserUpdate => ({
  id: `l${++seq}`,
  user,
  at,
  type: 'location',
  location: { lat, lon },
});
export const presenceUpdate = (user: string, online: boolean, at = Date.now()): UserUpdate => ({
  id: `o${++seq}`,
  user,
  at,
  type: 'presence',
  online,
});

export const anyone: Profile = {
  age: 30,
  gender: 'female',
  seeking: ['female', 'male', 'diverse'],
  ageMin: 18,
  ageMax: 120,
};

export type { UserState };
