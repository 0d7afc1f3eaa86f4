/**
 * Vitest global setup of every integration project (see vitest.shared.ts). With `KAFKA_BROKERS`
 * set (as `npm test` does, once for the whole run) that cluster is used; otherwise a fresh
 * broker with a throwaway data dir is started for this vitest run and stopped in teardown.
 *
 * Tests read the address from `process.env.KAFKA_BROKERS` (workers are forked after this ran,
 * so they inherit it; `brokersFromEnv()` parses it) or from `inject('kafkaBrokers')`.
 */
import type { TestProject } from 'vitest/node';
import { provideKafka } from './provide.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[];
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const previous = process.env.KAFKA_BROKERS;
  const kafka = await provideKafka({ log: (line) => console.log(`[kafka] ${line}`) });
  if (kafka.broker) {
    console.log(
      `[kafka] broker for this run at ${kafka.brokers.join(',')} (ready in ${kafka.broker.startupMs} ms)`,
    );
  }
  process.env.KAFKA_BROKERS = kafka.brokers.join(',');
  project.provide('kafkaBrokers', kafka.brokers);
  return async () => {
    if (previous === undefined) delete process.env.KAFKA_BROKERS;
    else process.env.KAFKA_BROKERS = previous;
    await kafka.stop();
  };
}
