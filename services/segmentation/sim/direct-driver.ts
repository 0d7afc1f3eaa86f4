import {
  type Interaction,
  interactions,
  type MatchEvent,
  type MessageSent,
  matchEvents,
  messagesSent,
  type UserUpdate,
  userUpdates,
} from '@showcase/contracts';
import { Emitter, memoryCluster } from '@showcase/goka';
import { mintToken } from '@showcase/service-kit';
import { createSegmentation } from '../src/service.ts';
import type { Driver, Prediction } from './driver.ts';

/**
 * `--direct`: the service in this process on an in-memory cluster, fed by goka Emitters straight
 * into the contract topics (what anti-spam, edge-set and match-search would write), read through
 * its HTTP routes with `inject`. Runs without a broker and without the other services.
 */
export async function directDriver(env: Record<string, string> = {}): Promise<Driver> {
  const secret = 'segmentation-simulator-secret-0123456789';
  const cluster = memoryCluster({ partitions: 4 });
  const { service } = await createSegmentation({
    cluster,
    env: { AUTH_SECRET: secret, LOG_LEVEL: 'warn', PORT: '0', PARTITIONS: '4', ...env },
  });
  await service.start({ listen: false });
  await service.whenReady(30_000);
  const emitter = <T>(topic: { name: string; codec: import('@showcase/goka').Codec<T> }) =>
    new Emitter<T>({ cluster, topic: topic.name, codec: topic.codec });
  const out = {
    messages: emitter<MessageSent>(messagesSent),
    interactions: emitter<Interaction>(interactions),
    matches: emitter<MatchEvent>(matchEvents),
    users: emitter<UserUpdate>(userUpdates),
  };
  let seq = 0;
  const id = () => `sim-${++seq}`;
  const admin = `Bearer ${mintToken({ secret, user: 'simulator', admin: true })}`;
  const get = async <T>(url: string): Promise<T> => {
    const res = await service.app.inject({ method: 'GET', url, headers: { authorization: admin } });
    if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${res.body}`);
    return res.json() as T;
  };
  return {
    name: 'direct (in-process memory cluster, contract topics)',
    async message(from, to, at) {
      await out.messages.emit(from, { id: id(), from, to, text: 'hello', sentAt: at });
    },
    async interaction(from, to, type, at) {
      await out.interactions.emit(from, { id: id(), from, to, type, at });
    },
    async match(user, other, at) {
      await out.matches.emit(user, {
        id: id(),
        type: 'new-match',
        user,
        other,
        at: new Date(at).toISOString(),
      });
    },
    async location(user, location, at) {
      await out.users.emit(user, { id: id(), user, at, type: 'location', location });
    },
    async presence(user, online, at) {
      await out.users.emit(user, { id: id(), user, at, type: 'presence', online });
    },
    async settle() {
      let quiet = 0;
      while (quiet < 3) {
        quiet = cluster.isIdle() ? quiet + 1 : 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },
    prediction: (user) => get<Prediction>(`/users/${encodeURIComponent(user)}/segment`),
    segments: async () =>
      (await get<{ segments: { id: number; size: number; label?: string }[] }>('/segments')).segments,
    async close() {
      await Promise.all(Object.values(out).map((e) => e.close()));
      await service.stop();
    },
  };
}
