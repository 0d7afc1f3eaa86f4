/**
 * How a service of this repository runs as a process: one answer for `npm start`
 * (scripts/start.ts), the test harness (service-kit testing/service-process.ts) and the Docker image, whose CMD spells
 * out the same command.
 *
 * - `dist` (default): plain `node` on services/<name>/dist/main.js, the output of `npm run build`.
 *   `--conditions=dist` makes the workspace packages (@showcase/*) resolve to their dist/ too:
 *   their exports' "default" is src/*.ts, so that tsx, vitest and tsc keep working on the
 *   sources without a build. `--enable-source-maps` maps stack traces back to the .ts lines.
 * - `src` (`START_FROM=src`, what `npm run dev` sets): node with the tsx loader on src/main.ts,
 *   nothing built.
 * - `SERVICE_NODE_FLAGS` (space-separated) adds Node flags to every service, for those Node refuses
 *   in NODE_OPTIONS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the platform.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

export type ServiceSource = 'dist' | 'src';

export interface ServiceCommand {
  readonly command: string;
  readonly args: string[];
}

/** Node flags of a built service; the Dockerfile's CMD uses the same. */
export const DIST_NODE_FLAGS = ['--conditions=dist', '--enable-source-maps'] as const;

export function serviceSource(env: NodeJS.ProcessEnv = process.env): ServiceSource {
  const value = env.START_FROM ?? 'dist';
  if (value !== 'dist' && value !== 'src') {
    throw new Error(`START_FROM must be "dist" or "src" (got "${value}")`);
  }
  return value;
}

/** The file a service process starts from. */
export function serviceEntry(root: string, name: string, source: ServiceSource = serviceSource()): string {
  return source === 'dist'
    ? resolve(root, 'services', name, 'dist', 'main.js')
    : resolve(root, 'services', name, 'src', 'main.ts');
}

export function serviceCommand(
  root: string,
  name: string,
  source: ServiceSource = serviceSource(),
  env: NodeJS.ProcessEnv = process.env,
): ServiceCommand {
  const entry = serviceEntry(root, name, source);
  const flags = source === 'dist' ? [...DIST_NODE_FLAGS] : ['--import', 'tsx'];
  const extra = (env.SERVICE_NODE_FLAGS ?? '').split(/\s+/).filter((f) => f !== '');
  return { command: process.execPath, args: [...flags, ...extra, entry] };
}

let built = false;

/**
 * `tsc -b tsconfig.build.json` once per process, so that a service started from dist/ never runs
 * older code than its sources (incremental: ≈ 0.5 s CPU when nothing changed). Throws with
 * tsc's output when the build fails. A no-op for `START_FROM=src`.
 */
export function buildOnce(root: string, source: ServiceSource = serviceSource()): void {
  if (built || source === 'src') return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(
      `npm run build failed (exit ${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`,
    );
  }
  built = true;
}
