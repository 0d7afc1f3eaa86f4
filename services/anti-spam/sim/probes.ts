/**
 * Latency probes of the anti-spam simulator: two extra users who only talk to each other; each
 * probe is one POST /messages, timed until the message is in the recipient's GET inbox and until
 * WS /ws/inbox pushed it. Run once alongside the traffic and once on the idle service.
 */
import { type Http, Random, sleep } from '@showcase/simkit';
import WebSocket from 'ws';

/** Milliseconds from POST until visible in GET inbox, and until pushed on the WebSocket. */
export interface Latencies {
  readonly visible: number[];
  readonly pushed: number[];
}

export const noLatencies = (): Latencies => ({ visible: [], pushed: [] });

interface InboxPage {
  messages: { id: string; seq: number }[];
}

export class LatencyProbes {
  /** The recipient's inbox position, kept across both runs: each probe reads only what is new. */
  private seq = 0;

  constructor(
    private readonly http: Http,
    private readonly from: string,
    private readonly to: string,
    /** Probes per run at most; 0 turns them off. */
    private readonly max: number,
    private readonly seed: number,
  ) {}

  /** Probes until `done()` or `max` probes; one at a time, `gapMs` apart. */
  async run(into: Latencies, gapMs: number, done: () => boolean): Promise<void> {
    if (this.max === 0) return;
    const ws = new WebSocket(
      `${this.http.base.replace(/^http/, 'ws')}/ws/inbox?token=${this.http.token(this.to)}`,
    );
    ws.on('error', () => undefined);
    const arrivals = new Map<string, number>();
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string; id?: string };
      if (m.type === 'message' && m.id) arrivals.set(m.id, performance.now());
    });
    await new Promise<void>((resolve) => {
      ws.on('message', (data) => {
        if ((JSON.parse(String(data)) as { type: string }).type === 'subscribed') resolve();
      });
      ws.once('close', () => resolve());
    });
    const probeRand = new Random(this.seed ^ 0x5eed);
    for (let i = 0; i < this.max && !done(); i++) {
      const t0 = performance.now();
      try {
        const res = await this.http.call<{ id: string }>('POST', '/messages', this.from, {
          to: this.to,
          text: `${probeRand.pick(['latency', 'timing', 'probe', 'check'])} ${probeRand.pick(['one', 'two', 'red', 'blue', 'fast'])} ${i}`,
        });
        const id = res.body.id;
        const until = performance.now() + 15_000;
        while (performance.now() < until) {
          const box = await this.http.call<InboxPage>(
            'GET',
            `/users/${this.to}/inbox?after=${this.seq}`,
            this.to,
          );
          const found = box.body.messages.find((m) => m.id === id);
          if (found) {
            into.visible.push(performance.now() - t0);
            this.seq = found.seq;
            break;
          }
          await sleep(2);
        }
        const deadlinePush = performance.now() + 2_000;
        while (!arrivals.has(id) && performance.now() < deadlinePush) await sleep(2);
        const at = arrivals.get(id);
        if (at !== undefined) into.pushed.push(at - t0);
      } catch {
        // a failed probe is simply not counted
      }
      const rest = gapMs - (performance.now() - t0);
      if (rest > 0) await sleep(rest);
    }
    ws.close();
  }
}
