import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';

export interface ClusterDescription {
  clusterId: string;
  controller: number | null;
  brokers: { nodeId: number; host: string; port: number }[];
}

/** One admin round trip; rejects if the cluster does not answer within `timeoutMs`. */
export async function describeCluster(brokers: string[], timeoutMs = 5_000): Promise<ClusterDescription> {
  const kafka = new Kafka({
    clientId: 'kafka-infra-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(timeoutMs, 3_000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer from ${brokers.join(',')} within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    return await Promise.race([
      (async () => {
        await admin.connect();
        return await admin.describeCluster();
      })(),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Ready is not "port open": the broker answers metadata requests only once it registered with
 * the controller. Polls until `describeCluster` succeeds, `abort` fires, or the deadline passes.
 */
export async function waitForCluster(
  brokers: string[],
  { timeoutMs, signal }: { timeoutMs: number; signal?: AbortSignal },
): Promise<ClusterDescription> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    try {
      return await describeCluster(brokers, Math.max(1_000, Math.min(5_000, deadline - Date.now())));
    } catch (error) {
      lastError = error;
      await sleep(250);
    }
  }
  throw new Error(`Kafka at ${brokers.join(',')} not ready after ${timeoutMs} ms: ${String(lastError)}`);
}
