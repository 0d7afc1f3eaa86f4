import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { DIST_NODE_FLAGS, serviceCommand, serviceSource } from '../../scripts/service-command.ts';
import { repoRoot } from '../src/index.ts';

// The build's wiring lives in several files that must agree: how a service runs from dist/
// (scripts/service-command.ts, each service's start script, the Dockerfile's CMD), what the
// packages export, and what tsconfig.build.json builds in which order.

interface PackageJson {
  name: string;
  scripts?: Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>;
}
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
/** tsconfig files have comments: read them as tsc does. */
const readTsconfig = <T>(path: string): T => ts.readConfigFile(path, ts.sys.readFile).config as T;
const built = readTsconfig<{ references: { path: string }[] }>(resolve(repoRoot, 'tsconfig.build.json'))
  .references.map((r) => r.path.replace(/\/tsconfig\.build\.json$/, ''))
  .sort();
const services = readdirSync(resolve(repoRoot, 'services')).filter((name) =>
  existsSync(resolve(repoRoot, 'services', name, 'package.json')),
);

describe('how a service process starts', () => {
  it('runs plain node on dist/main.js by default, tsx on src/main.ts with START_FROM=src', () => {
    expect(serviceCommand('/repo', 'anti-spam', 'dist')).toEqual({
      command: process.execPath,
      args: [...DIST_NODE_FLAGS, '/repo/services/anti-spam/dist/main.js'],
    });
    expect(serviceCommand('/repo', 'anti-spam', 'src')).toEqual({
      command: process.execPath,
      args: ['--import', 'tsx', '/repo/services/anti-spam/src/main.ts'],
    });
    expect(serviceSource({})).toBe('dist');
    expect(serviceSource({ START_FROM: 'src' })).toBe('src');
    expect(() => serviceSource({ START_FROM: 'source' })).toThrow(/START_FROM must be/);
  });

  it('every service start script and the Dockerfile run the same command', () => {
    const flags = DIST_NODE_FLAGS.join(' ');
    for (const name of services) {
      const pkg = readJson<PackageJson>(resolve(repoRoot, 'services', name, 'package.json'));
      expect(pkg.scripts?.start, name).toBe(`node ${flags} dist/main.js`);
    }
    const dockerfile = readFileSync(resolve(repoRoot, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`exec node ${flags} \\"services/\${SERVICE}/dist/main.js\\"`);
    // Multi-stage: the runtime stage installs nothing and runs no dev tool, as user node.
    const stages = dockerfile.split(/^FROM /m).slice(1);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const runtime = stages.at(-1) ?? '';
    expect(runtime).not.toMatch(/npm (ci|install)|tsx/);
    expect(runtime).toMatch(/^USER node$/m);
  });
});

describe('the build', () => {
  it('builds every library, infra and service package', () => {
    const packages = ['libs', 'infra', 'services'].flatMap((dir) =>
      readdirSync(resolve(repoRoot, dir))
        .filter((name) => existsSync(resolve(repoRoot, dir, name, 'package.json')))
        .map((name) => `${dir}/${name}`),
    );
    expect(built).toEqual(packages.sort());
  });

  it('each built package exports dist/*.js under "dist" and its sources by default', () => {
    for (const dir of built) {
      const pkg = readJson<PackageJson>(resolve(repoRoot, dir, 'package.json'));
      for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
        if (typeof target === 'string') {
          // Test tooling only (e.g. the vitest global setup) or a service's simulator entry
          // (sim/, never built): never loaded by a built service.
          expect(target, `${pkg.name} ${subpath}`).toMatch(/^\.\/(src|sim)\/.*\.ts$/);
          continue;
        }
        expect(Object.keys(target), `${pkg.name} ${subpath}`).toEqual(['dist', 'default']);
        expect(target.dist, `${pkg.name} ${subpath}`).toBe(
          target.default?.replace(/^\.\/src\//, './dist/').replace(/\.ts$/, '.js'),
        );
      }
    }
  });

  it("each package's build references the workspace packages it depends on", () => {
    const dirOf = new Map(
      built.map((dir) => [readJson<PackageJson>(resolve(repoRoot, dir, 'package.json')).name, dir]),
    );
    for (const dir of built) {
      const pkg = readJson<PackageJson>(resolve(repoRoot, dir, 'package.json'));
      const config = readTsconfig<{ references?: { path: string }[] }>(
        resolve(repoRoot, dir, 'tsconfig.build.json'),
      );
      const referenced = (config.references ?? [])
        .map((r) =>
          resolve(repoRoot, dir, r.path)
            .replace(`${repoRoot}/`, '')
            .replace(/\/tsconfig\.build\.json$/, ''),
        )
        .sort();
      const needed = Object.keys(pkg.dependencies ?? {})
        .filter((name) => name.startsWith('@showcase/'))
        .map((name) => dirOf.get(name) ?? `unbuilt ${name}`)
        .sort();
      expect(referenced, dir).toEqual(needed);
    }
  });
});
