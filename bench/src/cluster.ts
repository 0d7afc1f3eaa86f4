/**
 * The library's side of every scenario runs on the `Cluster` made here, and only here: switching
 * the benchmark to another cluster implementation is this file.
 */

import type { Cluster } from '@showcase/goka';
import * as goka from '@showcase/goka';

type KafkaClusterFactory = (options: { brokers: readonly string[]; clientId?: string }) => Cluster;

// Until @showcase/goka exports kafkaCluster, the library's variants report themselves skipped.
const kafkaCluster = (goka as unknown as { kafkaCluster?: KafkaClusterFactory }).kafkaCluster;

export async function gokaUnavailable(): Promise<string | undefined> {
  return kafkaCluster ? undefined : '@showcase/goka does not export kafkaCluster yet';
}

export function gokaCluster(brokers: readonly string[], clientId: string): Cluster {
  if (!kafkaCluster) throw new Error('@showcase/goka does not export kafkaCluster yet');
  return kafkaCluster({ brokers, clientId });
}
