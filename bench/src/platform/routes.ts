/**
 * The write routes the platform scenario drives, each twice: over HTTP as a user would (the
 * service's API, a bearer token per user) and straight into the route's input topic (the contract
 * in libs/contracts, goka's Emitter) — processing capacity without HTTP. The events of both forms
 * are alike: random pairs among `users` users, so that the per-user tables grow as under real use.
 * recommender has no write route; segmentation's only one is the admin's `POST /labels` (ground
 * truth, not user traffic): both are measured as downstream consumers.
 */
import {
  type Interaction,
  interactions,
  type MessageSent,
  messagesSent,
  type TopicContract,
  type UserUpdate,
  userUpdates,
} from '@showcase/contracts';

export const ROUTE_NAMES = ['edge-set', 'anti-spam', 'match-search'] as const;
export type RouteName = (typeof ROUTE_NAMES)[number];

export interface HttpRequestSpec {
  readonly method: 'POST' | 'PUT';
  readonly path: string;
  /** Whose token signs it. */
  readonly user: string;
  readonly body: string;
}

export interface RouteSpec<T> {
  readonly name: RouteName;
  /** The service that serves the route. */
  readonly service: string;
  /** What the figures call it, e.g. `POST /interactions`. */
  readonly label: string;
  /** The `i`th request of a run; `pick(n)` is a random integer in [0, n). */
  request(i: number, pick: (n: number) => number, users: number): HttpRequestSpec;
  readonly topic: TopicContract<T>;
  /** The `i`th record of the direct form: key and value, as the route would have emitted them. */
  record(i: number, pick: (n: number) => number, users: number): { key: string; value: T };
}

export const userId = (i: number) => `pb-u${i}`;

/** Two different users. */
function pair(pick: (n: number) => number, users: number): [string, string] {
  const a = pick(users);
  const b = (a + 1 + pick(users - 1)) % users;
  return [userId(a), userId(b)];
}

const INTERACTION_TYPES = ['like', 'pass', 'visit', 'message'] as const;
const WORDS = ['hi', 'hello', 'coffee', 'later', 'today', 'weekend', 'music', 'movie', 'walk', 'dinner'];
const GENDERS = ['female', 'male', 'diverse'] as const;

function text(pick: (n: number) => number): string {
  return Array.from({ length: 4 + pick(6) }, () => WORDS[pick(WORDS.length)]).join(' ');
}

/** A point around Berlin, a few km apart. */
function location(pick: (n: number) => number) {
  return { lat: 52.3 + pick(4000) / 10_000, lon: 13.2 + pick(4000) / 10_000 };
}

function profile(pick: (n: number) => number) {
  const age = 18 + pick(50);
  return {
    age,
    gender: GENDERS[pick(3)]!,
    seeking: [GENDERS[pick(3)]!],
    ageMin: 18,
    ageMax: Math.min(120, age + 10 + pick(20)),
  };
}

const edgeSet: RouteSpec<Interaction> = {
  name: 'edge-set',
  service: 'edge-set',
  label: 'POST /interactions',
  request(_i, pick, users) {
    const [from, to] = pair(pick, users);
    const type = INTERACTION_TYPES[pick(INTERACTION_TYPES.length)]!;
    return { method: 'POST', path: '/interactions', user: from, body: JSON.stringify({ to, type }) };
  },
  topic: interactions,
  record(i, pick, users) {
    const [from, to] = pair(pick, users);
    const type = INTERACTION_TYPES[pick(INTERACTION_TYPES.length)]!;
    return { key: from, value: { id: `pb-i${i}-${Date.now()}`, from, to, type, at: Date.now() } };
  },
};

const antiSpam: RouteSpec<MessageSent> = {
  name: 'anti-spam',
  service: 'anti-spam',
  label: 'POST /messages',
  request(_i, pick, users) {
    const [from, to] = pair(pick, users);
    return { method: 'POST', path: '/messages', user: from, body: JSON.stringify({ to, text: text(pick) }) };
  },
  topic: messagesSent,
  record(i, pick, users) {
    const [from, to] = pair(pick, users);
    return {
      key: from,
      value: { id: `pb-m${i}-${Date.now()}`, from, to, text: text(pick), sentAt: Date.now() },
    };
  },
};

/** Location and profile updates alternate (the issue's `PUT /users/:id/location|profile`). */
const matchSearch: RouteSpec<UserUpdate> = {
  name: 'match-search',
  service: 'match-search',
  label: 'PUT /users/:id/location|profile',
  request(i, pick, users) {
    const user = userId(pick(users));
    return i % 2 === 0
      ? { method: 'PUT', path: `/users/${user}/location`, user, body: JSON.stringify(location(pick)) }
      : { method: 'PUT', path: `/users/${user}/profile`, user, body: JSON.stringify(profile(pick)) };
  },
  topic: userUpdates,
  record(i, pick, users) {
    const user = userId(pick(users));
    const base = { id: `pb-p${i}-${Date.now()}`, user, at: Date.now() };
    const value: UserUpdate =
      i % 2 === 0
        ? { ...base, type: 'location', location: location(pick) }
        : { ...base, type: 'profile', profile: profile(pick) };
    return { key: user, value };
  },
};

export const ROUTES: Record<
  RouteName,
  RouteSpec<Interaction> | RouteSpec<MessageSent> | RouteSpec<UserUpdate>
> = {
  'edge-set': edgeSet,
  'anti-spam': antiSpam,
  'match-search': matchSearch,
};
