import { type Interaction, interactions } from '@showcase/contracts';
import { Emitter, memoryCluster } from '@showcase/goka';
import { mintToken } from '@showcase/service-kit';
import { createSegmentation } from '../src/service.ts';

export const SECRET = 'segmentation-test-secret-0123456789-abcdef';
export const token = (user: string, admin = false) => mintToken({ secret: SECRET, user, admin });
export const auth = (user: string, admin = false) => ({ authorization: `Bearer ${token(user, admin)}` });

/** The whole service on a memory cluster, started and ready, with an emitter of interactions. */
export async function startSegmentation(
  env: Record<string, string> = {},
  options: { listen?: boolean } = {},
) {
  const cluster = memoryCluster({ partitions: 3 });
  const built = await createSegmentation({
    cluster,
    env: {
      AUTH_SECRET: SECRET,
      LOG_LEVEL: 'silent',
      PORT: '0',
      PARTITIONS: '3',
      SEGMENT_MIN_EVENTS: '4',
      SAMPLE_EVERY: '1',
      ...env,
    },
  });
  const address = await built.service.start({ listen: options.listen ?? false });
  await built.service.whenReady(10_000);
  const emitter = new Emitter<Interaction>({ cluster, topic: interactions.name, codec: interactions.codec });
  let seq = 0;
  const interact = (from: string, to: string, type: Interaction['type']) =>
    emitter.emit(from, { id: `i${++seq}`, from, to, type, at: Date.now() });
  const stop = async () => {
    await emitter.close();
    await built.service.stop();
  };
  return { ...built, cluster, address, interact, stop };
}
