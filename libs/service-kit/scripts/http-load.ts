/**
 * What a user of a write route sees under load, until the platform bench scenario exists:
 * autocannon (closed loop, keep-alive) posting as many users with valid tokens, then polling the
 * service's `/admin/groups` until every group's `processed` stays still (drain after the last
 * write). Prints one JSON line.
 *
 *   AUTH_SECRET=… npx tsx libs/service-kit/scripts/http-load.ts --url http://127.0.0.1:PORT \
 *     --route interactions --connections 64 --seconds 10 [--users 2000]
 */
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { mintToken } from '../src/token.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    route: { type: 'string', default: 'interactions' },
    connections: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '10' },
    users: { type: 'string', default: '2000' },
  },
});
const url = values.url ?? 'http://127.0.0.1:4103';
const secret = process.env.AUTH_SECRET;
if (!secret) throw new Error('AUTH_SECRET is required');
const users = Number(values.users);
const tokens = Array.from({ length: users }, (_, i) =>
  mintToken({ secret, user: `u${i}`, ttlSeconds: 3600 }),
);
const types = ['like', 'like', 'like', 'pass', 'visit', 'message'];
const pick = (n: number) => Math.floor(Math.random() * n);

/** One request of the route as a random user. */
function request(): { method: 'POST' | 'PUT'; path: string; headers: Record<string, string>; body: string } {
  const a = pick(users);
  let b = pick(users);
  if (b === a) b = (a + 1) % users;
  const headers = { authorization: `Bearer ${tokens[a]}`, 'content-type': 'application/json' };
  switch (values.route) {
    case 'messages':
      return {
        method: 'POST',
        path: '/messages',
        headers,
        body: JSON.stringify({ to: `u${b}`, text: `hi ${b}` }),
      };
    case 'location':
      return {
        method: 'PUT',
        path: `/users/u${a}/location`,
        headers,
        body: JSON.stringify({ lat: 52 + Math.random(), lon: 13 + Math.random() }),
      };
    default:
      return {
        method: 'POST',
        path: '/interactions',
        headers,
        body: JSON.stringify({ to: `u${b}`, type: types[pick(types.length)] }),
      };
  }
}

interface Groups {
  groups: { group: string; processed: number; lag: number }[];
}
const admin = mintToken({ secret, user: 'admin', admin: true, ttlSeconds: 3600 });
async function groups(): Promise<Groups['groups']> {
  const res = await fetch(`${url}/admin/groups`, { headers: { authorization: `Bearer ${admin}` } });
  return ((await res.json()) as Groups).groups;
}
const total = (g: Groups['groups']) => g.reduce((n, x) => n + x.processed, 0);

const before = total(await groups());
const result = await autocannon({
  url,
  connections: Number(values.connections),
  duration: Number(values.seconds),
  requests: [{ setupRequest: (req) => ({ ...req, ...request() }) }],
});
const ended = Date.now();
// Drain: every group at lag 0 (lag counts no transaction markers) and its processed count still
// over two polls; the time is that of the first of those polls.
let last = -1;
let quietSince: number | undefined;
let drainMs = -1;
let lag = 0;
const deadline = Date.now() + 120_000;
while (Date.now() < deadline) {
  const at = Date.now();
  const g = await groups();
  const n = total(g);
  lag = g.reduce((s, x) => s + x.lag, 0);
  if (lag === 0 && n === last) {
    drainMs = (quietSince ?? at) - ended;
    break;
  }
  quietSince = lag === 0 ? at : undefined;
  last = n;
  await new Promise((r) => setTimeout(r, 50));
}
console.log(
  JSON.stringify({
    route: values.route,
    connections: Number(values.connections),
    accepted: Math.round(result.requests.average),
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    p50: result.latency.p50,
    p99: result.latency.p99,
    drainMs,
    processed: last - before,
    lagAfter: lag,
  }),
);
