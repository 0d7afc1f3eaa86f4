/**
 * eos-failover.int.test.ts with every writer on @platformatic/kafka: the exactly-once instances
 * (processes, which inherit the environment) commit their transactions through the platformatic
 * transactional producer — a join and a SIGKILL mid-stream, nothing lost, nothing applied twice.
 * The same file, not a copy: the selection is the environment variable the services use. The
 * variable is set before the file is evaluated, which reads it once.
 *
 * The other exactly-once tests take the same switch, run on demand (kept out of CI for time):
 *   KAFKA_PRODUCER=platformatic npx vitest run --project integration test/eos-fencing.int.test.ts test/kill.int.test.ts
 */
import { afterAll } from 'vitest';

const before = process.env.KAFKA_PRODUCER;
process.env.KAFKA_PRODUCER = 'platformatic';
// Whatever runs in this worker next sees the environment as it was.
afterAll(() => {
  if (before === undefined) delete process.env.KAFKA_PRODUCER;
  else process.env.KAFKA_PRODUCER = before;
});
await import('./eos-failover.int.test.ts');
