import { memoryCluster } from '@showcase/goka';
import { mintToken } from '@showcase/service-kit';
import { createAntiSpam } from '../src/service.ts';

export const SECRET = 'anti-spam-test-secret-0123456789-abcdef';
export const token = (user: string, admin = false) => mintToken({ secret: SECRET, user, admin });
export const auth = (user: string, admin = false) => ({ authorization: `Bearer ${token(user, admin)}` });

/** The whole service on a memory cluster, started, ready; `stop()` in afterEach. */
export async function startAntiSpam(env: Record<string, string> = {}, options: { listen?: boolean } = {}) {
  const cluster = memoryCluster({ partitions: 3 });
  const built = await createAntiSpam({
    cluster,
    env: { AUTH_SECRET: SECRET, LOG_LEVEL: 'silent', PORT: '0', PARTITIONS: '3', ...env },
  });
  const address = await built.service.start({ listen: options.listen ?? false });
  await built.service.whenReady(10_000);
  return { ...built, cluster, address };
}
