import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The contract's ports, for services whose package.json has no `config.port`. */
const KNOWN_PORTS: Record<string, number> = {
  'anti-spam': 4101,
  'match-search': 4102,
  'edge-set': 4103,
  recommender: 4104,
  segmentation: 4105,
};

export interface DiscoveredService {
  readonly name: string;
  readonly port: number;
}

/**
 * Every workspace under `dir` (services/) whose package.json has a "start" script, with its
 * port: package.json `config.port` (npm's own field), else the contract's table, else 4200 up
 * in name order. New services appear without a change to `npm start`.
 */
export function discoverServices(dir: string): DiscoveredService[] {
  if (!existsSync(dir)) return [];
  const found: { name: string; port: number | undefined }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    let pkg: { scripts?: { start?: unknown }; config?: { port?: unknown } };
    try {
      pkg = JSON.parse(readFileSync(resolve(dir, entry.name, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    if (typeof pkg.scripts?.start !== 'string') continue;
    const declared = Number(pkg.config?.port);
    const port = Number.isInteger(declared) && declared > 0 ? declared : KNOWN_PORTS[entry.name];
    found.push({ name: entry.name, port });
  }
  let next = 4200;
  return found
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((s) => ({ name: s.name, port: s.port ?? next++ }));
}
