/**
 * A count processor in a process of its own (scenario 6): the deployment shape where the
 * service that emits and serves views is not the process that processes. Sends `ready` on the
 * IPC channel once running, stops on a `stop` message or SIGTERM, exits when the parent goes.
 */
import { levelStorage, Processor } from '@showcase/goka';
import { gokaCluster } from './cluster.ts';
import { countGroup } from './count-group.ts';

export interface HostTask {
  brokers: string[];
  group: string;
  input: string;
  storagePath: string;
}

const task = JSON.parse(process.argv[2] ?? '{}') as HostTask;
const cluster = gokaCluster(task.brokers, 'bench-processor-host');
const processor = new Processor(countGroup(task.group, task.input), {
  cluster,
  storage: levelStorage({ path: task.storagePath }),
});

let stopping: Promise<void> | undefined;
const stop = (code: number) => {
  stopping ??= processor
    .stop()
    .catch(() => undefined)
    .then(() => cluster.close())
    .finally(() => process.exit(code));
  return stopping;
};
process.on('disconnect', () => void stop(1));
process.on('SIGTERM', () => void stop(143));
process.on('SIGINT', () => void stop(130));
process.on('message', (message) => {
  if (message === 'stop') void stop(0);
});

processor.start().then(
  () => process.send?.('ready'),
  (error: unknown) => {
    process.stderr.write(`[processor-host] ${error instanceof Error ? error.message : String(error)}\n`);
    void stop(1);
  },
);
processor.done().catch((error: unknown) => {
  process.stderr.write(
    `[processor-host] failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  void stop(1);
});
