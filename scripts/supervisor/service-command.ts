import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** How the supervisor runs one service: the program, its arguments, where. */
export interface ServiceCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
}

/**
 * The one place that decides which command runs a service. The service's own `start` script,
 * without the wrappers npm and the tsx CLI would put around it: each wrapper relays signals on
 * its own terms (the tsx CLI SIGKILLs a child that does not acknowledge a signal within 60 ms —
 * a service busy under load — and npm's shell dies of a group SIGTERM at once), so the
 * supervisor signals and waits for the service itself. `tsx <file>` becomes
 * `node --import tsx <file>` (same loader, no relay) and `node …` runs as is; any other script
 * goes through `npm start`, whose process group the supervisor still waits for as a whole.
 */
export function serviceCommand(servicesDir: string, name: string): ServiceCommand {
  const cwd = resolve(servicesDir, name);
  const pkg = JSON.parse(readFileSync(resolve(cwd, 'package.json'), 'utf8')) as {
    scripts?: { start?: string };
  };
  const words = (pkg.scripts?.start ?? '').trim().split(/\s+/);
  const plain = words.every((w) => /^[\w./@=:-]+$/.test(w)); // no shell syntax to honour
  if (plain && words[0] === 'tsx' && words.length >= 2)
    return { command: process.execPath, args: ['--import', 'tsx', ...words.slice(1)], cwd };
  if (plain && words[0] === 'node' && words.length >= 2)
    return { command: process.execPath, args: words.slice(1), cwd };
  return {
    command: 'npm',
    args: ['start', '--silent', '-w', `services/${name}`],
    cwd: resolve(servicesDir, '..'),
  };
}
