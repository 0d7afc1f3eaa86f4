/** The signals that stop `npm start`: a terminal's Ctrl-C, systemd / CI / process managers, a hang-up. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/**
 * Resolves with the first stop signal. The handlers stay installed for the life of the process:
 * a signal to the whole process group reaches this process more than once (directly, and
 * relayed by npm), and a signal without a listener would end it on the spot — before its
 * children and the broker have stopped. Later signals are only reported.
 */
export function whenStopRequested(say: (line: string) => void): Promise<StopSignal> {
  return new Promise((resolve) => {
    let first: StopSignal | undefined;
    for (const signal of STOP_SIGNALS) {
      process.on(signal, () => {
        if (first === undefined) {
          first = signal;
          resolve(signal);
        } else say(`${signal} while stopping: still stopping (services first, then the broker)`);
      });
    }
  });
}
