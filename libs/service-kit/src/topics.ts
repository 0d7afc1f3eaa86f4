import type { Cluster, TopicSpec } from '@showcase/goka';

/**
 * Creates the topics a service needs and waits until each one answers an offsets request.
 * Right after creation a fresh broker may still answer "not the leader for that
 * topic-partition" for a moment (KRaft metadata propagation); a view or processor starting in
 * that window would fail. Retries with backoff, bounded by `timeoutMs`.
 */
export async function ensureTopicsReady(
  cluster: Cluster,
  specs: readonly TopicSpec[],
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  await cluster.ensureTopics(specs);
  for (const spec of specs) {
    let wait = 50;
    while (true) {
      try {
        const offsets = await cluster.offsets(spec.name);
        if (offsets.length === spec.partitions) break;
        throw new Error(`topic ${spec.name}: ${offsets.length} of ${spec.partitions} partitions answer`);
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(`topic ${spec.name} is not ready: ${(error as Error).message}`, { cause: error });
        }
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(wait * 2, 1000);
      }
    }
  }
}
