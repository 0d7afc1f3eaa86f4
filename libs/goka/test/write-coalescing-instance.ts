/**
 * A tally processor with write coalescing as a process of its own, so
 * `write-coalescing.int.test.ts` can SIGKILL it while table writes are held back. Configured
 * through env: COALESCE_BROKERS, COALESCE_GROUP, COALESCE_TOPIC, COALESCE_STORE (levelStorage
 * dir), COALESCE_INSTANCE (this incarnation's name), COALESCE_WINDOW_MS. Sends 'running' over
 * IPC once started; exits when the IPC channel closes (the parent died), so no orphans.
 */
import { kafkaCluster, levelStorage, Processor } from '../src/index.ts';
import { tallyGroup, testLogger } from './support/kafka.ts';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const instance = env('COALESCE_INSTANCE');
const cluster = kafkaCluster({
  brokers: env('COALESCE_BROKERS').split(','),
  clientId: `goka-coalesce-${instance}`,
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 1_000,
  logger: testLogger(instance),
});
const processor = new Processor(tallyGroup(env('COALESCE_GROUP'), env('COALESCE_TOPIC'), instance), {
  cluster,
  storage: levelStorage({ path: env('COALESCE_STORE') }),
  coalesce: { windowMs: Number(env('COALESCE_WINDOW_MS')) },
  logger: testLogger(instance),
});

process.on('disconnect', () => process.exit(0));
processor.done().catch(() => process.exit(1));
processor.start().then(
  () => process.send?.('running'),
  () => process.exit(1),
);
