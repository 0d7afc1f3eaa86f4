import type { Processor, RecoverySnapshot, View } from '@showcase/goka';

/**
 * What the service runs besides HTTP: processors and views (which must be running before the
 * service is ready) and emitters (which must be flushed on shutdown). One uniform handle so that
 * readiness, metrics and shutdown treat them alike.
 */
export interface Component {
  readonly kind: 'processor' | 'view';
  readonly name: string;
  readonly state: string;
  readonly running: boolean;
  readonly error: Error | undefined;
  readonly recovery: RecoverySnapshot;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Calls back once when the component enters `failed`. */
  onFailed(listener: (error: Error) => void): void;
  /** Calls back each time the component enters `running` (readiness latches on the first). */
  onRunning?(listener: () => void): void;
}

export function processorComponent(p: Processor<unknown, unknown>): Component {
  return {
    kind: 'processor',
    name: p.group.name,
    get state() {
      return p.state;
    },
    get running() {
      return p.state === 'running';
    },
    get error() {
      return p.error;
    },
    get recovery() {
      return p.stats().recovery;
    },
    start: () => p.start(),
    stop: () => p.stop(),
    onFailed: (listener) => {
      p.on('state', (state) => {
        if (state === 'failed') listener(p.error ?? new Error(`processor ${p.group.name} failed`));
      });
    },
    onRunning: (listener) => {
      p.on('state', (state) => {
        if (state === 'running') listener();
      });
    },
  };
}

export function viewComponent(v: View<unknown>): Component {
  return {
    kind: 'view',
    name: v.table,
    get state() {
      return v.state;
    },
    get running() {
      return v.state === 'running';
    },
    get error() {
      return v.error;
    },
    get recovery() {
      return v.stats().recovery;
    },
    start: () => v.start(),
    stop: () => v.stop(),
    onFailed: (listener) => {
      v.on('state', (state) => {
        if (state === 'failed') listener(v.error ?? new Error(`view ${v.table} failed`));
      });
    },
    onRunning: (listener) => {
      v.on('state', (state) => {
        if (state === 'running') listener();
      });
    },
  };
}
