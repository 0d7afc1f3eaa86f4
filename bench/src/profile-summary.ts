/**
 * Summarises V8 .cpuprofile files (from `npm run bench -- --cpu-prof`): top functions by self
 * time, and self time by area (library file, kafkajs, LevelDB, Node internals, GC), as a share
 * of the busy (non-idle) time.
 *
 *   npx tsx bench/src/profile-summary.ts bench/.profiles/<run>/stateful-* [--top 25] [--from-s 12]
 *
 * `--from-s` skips the samples of each profile's first seconds (a service's start-up: module
 * loading and schema compilation would otherwise dominate a profile of a short load).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const ROOT = resolve(import.meta.dirname, '..', '..');

/** The .cpuprofile files given, or found (recursively) in the directories given. */
function files(args: string[]): string[] {
  return args.flatMap((a) =>
    statSync(a).isDirectory()
      ? files(readdirSync(a).map((f) => join(a, f))).filter((f) => f.endsWith('.cpuprofile'))
      : [a],
  );
}

function where(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  if (!path) return '';
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) return path.slice(nm + 'node_modules/'.length);
  return path.startsWith('/') ? relative(ROOT, path) : path;
}

function area(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(program)') return '(program: V8/native outside JS)';
  const w = where(url);
  if (!w) return name.startsWith('(') ? name : 'native';
  if (w.startsWith('node:')) return `node:${w.slice(5).split('/')[0]}`;
  if (w.startsWith('libs/goka/src/')) return w;
  const pkg = w.split('/')[0]!.startsWith('@') ? w.split('/').slice(0, 2).join('/') : w.split('/')[0]!;
  return w.includes('/') ? pkg : w;
}

function main(): void {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 25;
  const fromAt = args.indexOf('--from-s');
  const fromUs = fromAt >= 0 ? Number(args.splice(fromAt, 2)[1]) * 1e6 : 0;
  const list = files(args);
  if (list.length === 0) {
    console.error('usage: profile-summary.ts <dir or .cpuprofile files> [--top n]');
    process.exit(2);
  }
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let idle = 0;
  let busy = 0;
  for (const file of list) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    let at = 0; // µs since the profile started
    for (let i = 0; i < profile.samples.length; i++) {
      const node = nodes.get(profile.samples[i]!)!;
      const dt = profile.timeDeltas[i] ?? 0;
      at += dt;
      if (at < fromUs) continue;
      const { functionName, url, lineNumber } = node.callFrame;
      if (functionName === '(idle)') {
        idle += dt;
        continue;
      }
      busy += dt;
      // tsx-transpiled .ts files have no useful line numbers in a profile.
      const line = url && !url.endsWith('.ts') ? `:${lineNumber + 1}` : '';
      const name = `${functionName || '(anonymous)'}  ${where(url)}${line}`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + dt);
      const a = area(url, functionName);
      byArea.set(a, (byArea.get(a) ?? 0) + dt);
    }
  }
  const pct = (t: number) => `${((100 * t) / busy).toFixed(1).padStart(5)}%`;
  const ms = (t: number) => `${(t / 1000).toFixed(0).padStart(7)} ms`;
  console.log(
    `${list.length} profile(s); busy ${(busy / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s (idle = waiting on I/O)`,
  );
  console.log(`\ntop ${top} functions by self time (% of busy):`);
  for (const [name, t] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${pct(t)} ${ms(t)}  ${name}`);
  }
  console.log('\nself time by area (% of busy):');
  for (const [name, t] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${pct(t)} ${ms(t)}  ${name}`);
  }
}

main();
