import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const MISSING_TOOLCHAIN_HINT =
  'install Java 17+ and Maven, or use `docker compose up` and set KAFKA_BROKERS';

export class ToolchainError extends Error {
  override name = 'ToolchainError';
}

/** Resolves a command the way a shell would (JAVA_HOME wins for java), without running it. */
export function findExecutable(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates: string[] = [];
  if (command === 'java' && env.JAVA_HOME) candidates.push(join(env.JAVA_HOME, 'bin', 'java'));
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, command));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** `java -version` prints e.g. `openjdk version "17.0.15" 2025-04-15` (or `"1.8.0_392"`). */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
}

/** Fails at once, with what to install, when there is no Java 17+. */
export function requireJava(env: NodeJS.ProcessEnv = process.env): string {
  const java = findExecutable('java', env);
  if (!java)
    throw new ToolchainError(`Kafka needs \`java\`, which is not on PATH: ${MISSING_TOOLCHAIN_HINT}.`);
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8', env });
  const major = parseJavaMajor(`${probe.stderr}${probe.stdout}`);
  if (major === undefined || major < 17) {
    throw new ToolchainError(
      `Kafka 4 needs Java 17+, but ${java} is ${major ? `Java ${major}` : 'not a working Java'}: ${MISSING_TOOLCHAIN_HINT}.`,
    );
  }
  return java;
}

/** Maven is only needed for the one-time download of the broker jars. */
export function requireMaven(env: NodeJS.ProcessEnv = process.env): string {
  const mvn = findExecutable('mvn', env);
  if (!mvn) {
    throw new ToolchainError(
      `Fetching the Kafka broker jars needs \`mvn\`, which is not on PATH: ${MISSING_TOOLCHAIN_HINT}.`,
    );
  }
  return mvn;
}
