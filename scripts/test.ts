/**
 * `npm test`: every Nx project's unit and integration tests against one real Kafka broker.
 *
 * 0. Lint, type-check and build (test-checks.ts): a lint or type error fails the run in seconds,
 *    before any broker starts; the e2e tests start services from the build's dist/.
 * 1. Starts a throwaway broker for the whole run (fresh data dir), unless KAFKA_BROKERS is set.
 * 2. Runs `nx run-many -t test` with KAFKA_BROKERS exported; each project's vitest writes a
 *    JSON report into .test-results/ (see vitest.shared.ts).
 * 3. Stops the broker (always: also on failure, Ctrl-C and SIGTERM), sums the reports and ends
 *    with one line `Tests: <n> passed, <n> failed, <n> skipped`.
 * Exit code: nx's; non-zero as well when a report shows a failure or no report was written.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ProvidedKafka, provideKafka, ToolchainError } from '../infra/kafka/src/index.ts';
import { runChecks, signalRunningCheck } from './test-checks.ts';
import { closingLine, readReports, sumReports } from './test-summary.ts';

const root = resolve(import.meta.dirname, '..');
const reportDir = resolve(process.env.SHOWCASE_TEST_REPORTS ?? resolve(root, '.test-results'));
const say = (line: string) => console.log(`[npm test] ${line}`);

function runNx(env: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<number> } {
  const localNx = resolve(root, 'node_modules', '.bin', 'nx');
  const [command, args] = existsSync(localNx)
    ? [localNx, ['run-many', '-t', 'test', '--outputStyle=stream']]
    : ['npx', ['nx', 'run-many', '-t', 'test', '--outputStyle=stream']];
  say(`running: nx ${args.slice(command === 'npx' ? 1 : 0).join(' ')}`);
  const child = spawn(command, args, { cwd: root, stdio: 'inherit', env });
  const done = new Promise<number>((resolveCode) => {
    child.once('error', (error) => {
      say(`could not run nx: ${error.message}`);
      resolveCode(1);
    });
    child.once('exit', (code, signal) => resolveCode(code ?? (signal ? 128 + 2 : 1)));
  });
  return { child, done };
}

async function main(): Promise<number> {
  const started = Date.now();
  let interrupted: NodeJS.Signals | undefined;
  let nx: ChildProcess | undefined;
  let kafka: ProvidedKafka | undefined;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (interrupted) return;
      interrupted = sig;
      say(`${sig}: stopping the tests, then the broker`);
      nx?.kill(sig); // Ctrl-C reaches nx anyway through the terminal; SIGTERM from a CI runner does not
      signalRunningCheck(sig);
      if (!nx) void kafka?.stop();
    });
  }

  say(`clearing ${reportDir}`);
  rmSync(reportDir, { recursive: true, force: true });
  mkdirSync(reportDir, { recursive: true });

  const checked = await runChecks(root, say);
  const failedCheck = checked.find((c) => c.code !== 0);
  if (failedCheck || interrupted) {
    say(failedCheck ? `${failedCheck.name} failed: no tests run` : `interrupted by ${interrupted}`);
    console.log(closingLine({ passed: 0, failed: 0, skipped: 0 }));
    return interrupted ? 130 : 1;
  }

  let nxCode: number;
  try {
    say(
      process.env.KAFKA_BROKERS
        ? `using the Kafka cluster at KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`
        : 'starting a Kafka broker for this run (fresh data dir; set KAFKA_BROKERS to use another cluster)',
    );
    try {
      kafka = await provideKafka({ log: say });
    } catch (error) {
      say(`no Kafka broker: ${error instanceof ToolchainError ? error.message : String(error)}`);
      console.log(closingLine({ passed: 0, failed: 0, skipped: 0 }));
      return 1;
    }
    if (kafka.broker) say(`broker ready at ${kafka.brokers.join(',')} in ${kafka.broker.startupMs} ms`);
    if (interrupted) return 130;

    const run = runNx({
      ...process.env,
      KAFKA_BROKERS: kafka.brokers.join(','),
      SHOWCASE_TEST_REPORTS: reportDir,
      NX_DAEMON: 'false',
      NX_NO_CLOUD: 'true',
      NX_TUI: 'false',
    });
    nx = run.child;
    nxCode = await run.done;
  } finally {
    if (kafka?.broker) {
      say('stopping the test broker');
      await kafka.stop().catch((error) => say(`stopping the broker failed: ${String(error)}`));
    }
  }

  const reports = readReports(reportDir, say);
  const totals = sumReports(reports.map((r) => r.report));
  for (const { name, report } of reports) {
    const t = sumReports([report]);
    say(`${name}: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
  }
  for (const { file, message } of totals.brokenFiles) say(`failed outside any test: ${file}: ${message}`);
  if (totals.reports === 0) say(`no test report found in ${reportDir}`);
  if (nxCode !== 0 && totals.failed === 0 && !interrupted) {
    say(
      'nx reports failed tasks without a failed test (e.g. "No test files found"): see "Failed tasks" above',
    );
  }
  if (interrupted) say(`interrupted by ${interrupted}: the counts below are incomplete`);
  say(`nx exited with ${nxCode} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(closingLine(totals));

  if (interrupted) return 130;
  if (nxCode !== 0) return nxCode;
  return totals.reports === 0 || totals.failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
