/**
 * The TypeScript side of the Goka peer: its command line, the parsing of its result, and the
 * comparison rows built from a run's figures. No broker, no Go (bench/test/goka-peer.int.test.ts
 * runs the peer itself).
 */
import { describe, expect, it } from 'vitest';
import { comparePeers, formatPeerTable, type PeersReport } from '../src/peers/comparison.ts';
import { goUnavailable, parsePeerOutput, peerArgs } from '../src/peers/goka-peer.ts';
import { PEER_SIDES } from '../src/peers/workloads.ts';
import type { Row } from '../src/report.ts';

describe('peerArgs', () => {
  it('passes every setting of a produce workload as the flags main.go defines', () => {
    expect(
      peerArgs({
        workload: 'produce',
        brokers: ['127.0.0.1:9092', '127.0.0.1:9093'],
        topic: 'bench-x-produce',
        records: 500_000,
        keys: 10_000,
        window: 10_000,
      }),
    ).toEqual([
      'produce',
      '-brokers',
      '127.0.0.1:9092,127.0.0.1:9093',
      '-records',
      '500000',
      '-topic',
      'bench-x-produce',
      '-keys',
      '10000',
      '-window',
      '10000',
    ]);
  });

  it('gives the stateful workload its group and storage directory, the recovery workload its table', () => {
    const stateful = peerArgs({
      workload: 'stateful',
      brokers: ['b:1'],
      topic: 'in',
      group: 'g',
      records: 200_000,
      dir: '/tmp/s',
    });
    expect(stateful[0]).toBe('stateful');
    expect(flags(stateful)).toEqual(
      new Map([
        ['-brokers', 'b:1'],
        ['-records', '200000'],
        ['-topic', 'in'],
        ['-group', 'g'],
        ['-dir', '/tmp/s'],
      ]),
    );
    const recovery = peerArgs({ workload: 'recovery', brokers: ['b:1'], table: 't', records: 7, dir: '/d' });
    expect(recovery[0]).toBe('recovery');
    expect(flags(recovery)).toEqual(
      new Map([
        ['-brokers', 'b:1'],
        ['-records', '7'],
        ['-table', 't'],
        ['-dir', '/d'],
      ]),
    );
  });
});

/** Flag -> value of a command line after its workload word. */
function flags(args: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 1; i < args.length; i += 2) map.set(args[i]!, args[i + 1]!);
  return map;
}

describe('parsePeerOutput', () => {
  it('reads the JSON object on the last non-empty line', () => {
    const stdout = 'some line a library printed\n{"rate":123456.5,"peakRssMiB":81.25,"records":500000}\n\n';
    expect(parsePeerOutput(stdout)).toEqual({ rate: 123456.5, peakRssMiB: 81.25, records: 500000 });
  });

  it.each([
    ['nothing', '', /printed no result/],
    ['text', 'panic: oops\n', /not JSON/],
    ['an array', '[1,2]', /not a JSON object/],
    ['a non-number', '{"rate":"fast","peakRssMiB":1}', /rate is not a finite number/],
    ['null', '{"rate":null,"peakRssMiB":1}', /rate is not a finite number/],
    ['no rate', '{"peakRssMiB":1}', /lacks rate/],
    ['no peak RSS', '{"rate":1}', /lacks peakRssMiB/],
  ])('rejects %s', (_what, stdout, message) => {
    expect(() => parsePeerOutput(stdout)).toThrow(message);
  });

  it('keeps names that are Object.prototype members as plain figures', () => {
    const m = parsePeerOutput('{"rate":1,"peakRssMiB":2,"constructor":3,"__proto__":4}');
    expect(Object.keys(m).sort()).toEqual(['__proto__', 'constructor', 'peakRssMiB', 'rate'].sort());
    expect(m.constructor).toBe(3);
  });
});

function row(scenario: string, figure: string, repetitions: number[], note?: string): Row {
  const sorted = [...repetitions].sort((a, b) => a - b);
  return {
    scenario,
    figure,
    unit: figure.includes('RSS') ? 'MiB' : 'msgs/s',
    value: sorted.length > 0 ? sorted[Math.floor(sorted.length / 2)]! : null,
    min: sorted[0] ?? null,
    max: sorted.at(-1) ?? null,
    baseline: null,
    ratio: null,
    parameters: {},
    repetitions,
    ...(note ? { note } : {}),
  };
}

describe('comparePeers', () => {
  it('pairs each compared figure with the peer figure of its scenario, ratio = ours / Goka', () => {
    const rows = [
      row('produce', 'raw kafkajs producer', [90, 100, 95]),
      row('produce', 'Emitter', [80, 82, 76]),
      row('produce', 'Emitter (platformatic producer)', [150, 160, 155]),
      row('produce', 'Emitter (platformatic, 3 requests in flight)', [140, 145, 150]),
      row('produce', 'Goka (Go) Emitter', [237, 390, 240]),
      row('recovery', 'View recovery until running', [359, 333, 340]),
      row('recovery', 'Goka (Go) View recovery until running', [428, 497, 412]),
      row('recovery', 'View recovery until running (platformatic reader)', [450, 470, 460]),
      row('recovery', 'View recovery peak RSS', [388, 395, 390]),
      row('recovery', 'View recovery peak RSS (platformatic reader)', [204, 203, 210]),
      row('recovery', 'Goka (Go) View recovery peak RSS', [184, 195, 190]),
    ];
    const result = comparePeers(rows, PEER_SIDES);
    // stateful did not run: no comparison for it.
    expect(result.map((c) => `${c.scenario}/${c.figure}`)).toEqual([
      'produce/Emitter',
      'produce/Emitter (platformatic producer)',
      'produce/Emitter (platformatic, 3 requests in flight)',
      'recovery/View recovery until running',
      'recovery/View recovery until running (platformatic reader)',
      'recovery/View recovery peak RSS',
      'recovery/View recovery peak RSS (platformatic reader)',
    ]);
    const [emitter, platformatic, pipelined, view, platformaticView, rss, platformaticRss] = result;
    // Both readers' views are compared with the same Goka view.
    expect(platformaticView).toMatchObject({ ours: 460, goka: 428, better: 'higher' });
    expect(platformaticRss).toMatchObject({ ours: 204, goka: 190, better: 'lower' });
    // Both of our clients are compared with the same Goka figure.
    expect(platformatic).toMatchObject({ ours: 155, goka: 240 });
    expect(pipelined).toMatchObject({ ours: 145, goka: 240 });
    expect(emitter).toMatchObject({ ours: 80, goka: 240, unit: 'msgs/s', better: 'higher' });
    expect(emitter!.ratio).toBeCloseTo(80 / 240, 10);
    expect(emitter!.gokaRepetitions).toEqual([237, 390, 240]);
    expect(view!.ratio).toBeCloseTo(340 / 428, 10);
    expect(rss).toMatchObject({ ours: 390, goka: 190, unit: 'MiB', better: 'lower' });
    expect(rss!.ratio).toBeCloseTo(390 / 190, 10);
    expect(result.every((c) => c.note === undefined)).toBe(true);
  });

  it('has no ratio, and says why, when a side was not measured', () => {
    const rows = [
      row('stateful', 'count processor throughput', [50, 52, 46]),
      row('stateful', 'Goka (Go) count processor throughput', [], 'failed: the Goka peer exited (code 1)'),
    ];
    const [c] = comparePeers(rows, PEER_SIDES);
    expect(c).toMatchObject({ ours: 50, goka: null, ratio: null });
    expect(c!.note).toBe('Goka: failed: the Goka peer exited (code 1)');
  });

  it('prints both sides, the ratio and every repetition', () => {
    const rows = [
      row('produce', 'Emitter', [80, 82, 76]),
      row('produce', 'Goka (Go) Emitter', [237, 390, 240]),
    ];
    const report: PeersReport = {
      peer: 'github.com/lovoo/goka v1.1.16',
      comparisons: comparePeers(rows, PEER_SIDES),
    };
    const table = formatPeerTable(report).split('\n');
    expect(table[0]).toContain('github.com/lovoo/goka v1.1.16');
    const line = table.find((l) => l.startsWith('produce'));
    expect(line?.split(/\s{2,}/)).toEqual([
      'produce',
      'Emitter',
      'msgs/s',
      '80.00',
      '240',
      '0.33x',
      '80.00 / 82.00 / 76.00',
      '237 / 390 / 240',
    ]);
    expect(formatPeerTable({ peer: null, skipped: 'no go', comparisons: [] })).toBe(
      'Goka peer skipped: no go',
    );
  });
});

describe('goUnavailable', () => {
  it('says how to get the comparison when `go` is not on PATH', async () => {
    const why = await goUnavailable({ ...process.env, PATH: '/nonexistent-go-free-path' });
    expect(why).toMatch(/`go` is not on PATH.*install Go/);
  });
});
