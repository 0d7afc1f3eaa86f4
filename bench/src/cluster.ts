/**
 * The library's side of every scenario runs on the `Cluster` made here, and only here: switching
 * the benchmark to another cluster implementation is this file.
 */
import { type Cluster, type KafkaClusterOptions, kafkaCluster } from '@showcase/goka';

/** The client behind the cluster's producers: kafkajs (the default) or @platformatic/kafka. */
export type ProducerClient = NonNullable<KafkaClusterOptions['producer']>;

/** Why the library's variants cannot run (none now: kafkaCluster is exported). */
export async function gokaUnavailable(): Promise<string | undefined> {
  return undefined;
}

export function gokaCluster(
  brokers: readonly string[],
  clientId: string,
  producer: ProducerClient = 'kafkajs',
): Cluster {
  return kafkaCluster({ brokers, clientId, producer });
}
