/**
 * The search core alone (no Kafka, no HTTP): N users of the bench's city population applied to a
 * UserDirectory as the view tap would, then 2,000 nearby queries per radius (limit 100, mutual
 * filters) and, as the baseline in the same run, a linear scan with the same rules.
 *
 *   npx tsx services/match-search/sim/bench/nearby-in-process.ts [users=1000000] [scans=5]
 *
 * Prints one line per figure and the load average (the machine is shared: read the ratio).
 */
import { loadavg } from 'node:os';
import { mutuallyCompatible } from '@showcase/contracts';
import { haversineKm } from '@showcase/geo';
import { UserDirectory } from '../../src/search/user-directory.ts';
import { CityPopulation } from '../population.ts';

const n = Number(process.argv[2] ?? 1_000_000);
const scans = Number(process.argv[3] ?? 5);
const directory = new UserDirectory();
const pop = new CityPopulation(1);
const ids: string[] = [];
let t = performance.now();
for (let i = 0; i < n; i++) {
  const user = `u${i}`;
  const { profile, location } = pop.join(user, 0, false);
  ids.push(user);
  directory.applyUser(user, { user, online: pop.rnd.next() < 0.5, updatedAt: 0, profile, location });
}
const rss = () => `${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`;
console.log(`${n} users applied in ${((performance.now() - t) / 1000).toFixed(1)} s, RSS ${rss()}`);

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor((p / 100) * (xs.length - 1))]!;
const callers = Array.from({ length: 2_000 }, () => ids[pop.rnd.int(0, n - 1)]!);
for (const radiusKm of [5, 50, 200]) {
  const xs: number[] = [];
  // CPU time as well as wall time: on a shared machine the wall clock includes the time the
  // process waited for a core, the CPU time does not.
  const cpu0 = process.cpuUsage();
  for (const c of callers) {
    t = performance.now();
    directory.nearby(c, { radiusKm, limit: 100, onlineOnly: false });
    xs.push(performance.now() - t);
  }
  const cpu = process.cpuUsage(cpu0);
  const busy = xs.reduce((a, b) => a + b, 0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(
    `nearby ${radiusKm} km: p50 ${pct(xs, 50).toFixed(3)} ms  p99 ${pct(xs, 99).toFixed(3)} ms  ${(xs.length / (busy / 1000)).toFixed(0)} q/s  ${(xs.length / (cpuMs / 1000)).toFixed(0)} q/CPU-s`,
  );
}
const scanTimes: number[] = [];
for (const caller of callers.slice(0, scans)) {
  t = performance.now();
  const me = directory.profileOf(caller)!;
  const at = directory.locationOf(caller)!;
  const out: { user: string; distanceKm: number }[] = [];
  for (const id of ids) {
    if (id === caller) continue;
    const p = directory.profileOf(id);
    const there = directory.locationOf(id);
    if (!p || !there) continue;
    const distanceKm = haversineKm(at, there);
    if (distanceKm > 50 || !mutuallyCompatible(me, p)) continue;
    if (directory.isSpamBlocked(id) || directory.isPairBlocked(caller, id)) continue;
    out.push({ user: id, distanceKm });
  }
  out.sort((a, b) => a.distanceKm - b.distanceKm || (a.user < b.user ? -1 : 1));
  scanTimes.push(performance.now() - t);
}
console.log(`linear scan 50 km: p50 ${pct(scanTimes, 50).toFixed(1)} ms over ${scans} scans`);
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
