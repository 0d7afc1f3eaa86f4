import { afterEach, describe, expect, it } from 'vitest';
import { type ProcessSpec, Supervisor } from '../src/supervisor/index.ts';

const node = (name: string, script: string): ProcessSpec => ({
  name,
  command: process.execPath,
  args: ['-e', script],
});
let supervisor: Supervisor | undefined;
afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
});

describe('Supervisor (npm start)', () => {
  it('restarts a process that exits with 0 or crashes, with back-off; the others keep running; gives up after a few', async () => {
    const said: string[] = [];
    supervisor = new Supervisor(
      [
        node('steady', 'setInterval(() => {}, 1000)'),
        node('clean-exit', 'setTimeout(() => process.exit(0), 50)'),
        node('crasher', 'throw new Error("boom")'),
      ],
      { maxRestarts: 3, backoffMs: (n) => 20 * 2 ** n, say: (l) => said.push(l), output: () => undefined },
    );
    supervisor.start();
    await expect
      .poll(() => supervisor!.status().find((s) => s.name === 'crasher')?.state, { timeout: 10_000 })
      .toBe('gave-up');
    await expect
      .poll(() => supervisor!.status().find((s) => s.name === 'clean-exit')?.state, { timeout: 10_000 })
      .toBe('gave-up');
    const byName = Object.fromEntries(supervisor.status().map((s) => [s.name, s]));
    expect(byName.crasher).toMatchObject({ restarts: 3 });
    expect(byName['clean-exit']).toMatchObject({ restarts: 3 });
    expect(byName.steady).toMatchObject({ state: 'running', restarts: 0 });
    expect(said.filter((l) => l.startsWith('clean-exit exited with code 0; restarting'))).toHaveLength(3);
    expect(said).toContain('crasher exited with code 1; restarting in 0.04 s (2/3)');
    expect(said.some((l) => /crasher .*gave up after 3 restarts/.test(l))).toBe(true);
  }, 30_000);

  it('stop() ends every process group, also ones that ignore SIGTERM (SIGKILL after the grace period)', async () => {
    supervisor = new Supervisor(
      [
        node('polite', 'setInterval(() => {}, 1000)'),
        node('stubborn', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)'),
      ],
      { stopGraceMs: 300, say: () => undefined, output: () => undefined },
    );
    supervisor.start();
    await new Promise((r) => setTimeout(r, 300));
    const pids = supervisor.status().map((s) => s.pid!);
    await supervisor.stop();
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(supervisor.status().map((s) => s.state)).toEqual(['stopped', 'stopped']);
  });
});

describe('discoverServices', () => {
  it('finds every workspace with a start script; port from config.port, the contract, or 4200 up', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { discoverServices } = await import('../src/supervisor/index.ts');
    const dir = mkdtempSync(join(tmpdir(), 'discover-'));
    try {
      const pkg = (name: string, body: object) => {
        mkdirSync(join(dir, name));
        writeFileSync(join(dir, name, 'package.json'), JSON.stringify(body));
      };
      pkg('anti-spam', { scripts: { start: 'tsx src/main.ts' }, config: { port: 4101 } });
      pkg('edge-set', { scripts: { start: 'tsx src/main.ts' } });
      pkg('zeta', { scripts: { start: 'x' } });
      pkg('alpha', { scripts: { start: 'x' }, config: { port: 'nope' } });
      pkg('library-only', { scripts: { test: 'vitest run' } });
      mkdirSync(join(dir, 'no-package'));
      expect(discoverServices(dir)).toEqual([
        { name: 'alpha', port: 4200 },
        { name: 'anti-spam', port: 4101 },
        { name: 'edge-set', port: 4103 },
        { name: 'zeta', port: 4201 },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
