/**
 * The library's side of every scenario runs on the `Cluster` made here, and only here: switching
 * the benchmark to another cluster implementation is this file.
 */
import { type Cluster, kafkaCluster } from '@showcase/goka';

/** Why the library's variants cannot run (none now: kafkaCluster is exported). */
export async function gokaUnavailable(): Promise<string | undefined> {
  return undefined;
}

export function gokaCluster(brokers: readonly string[], clientId: string): Cluster {
  return kafkaCluster({ brokers, clientId });
}
