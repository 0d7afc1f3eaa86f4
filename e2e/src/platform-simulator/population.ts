import {
  friendCircles,
  type SpamAccount,
  type SpammerKind,
  SpamPlanner,
  spamAccounts,
} from '@showcase/anti-spam/sim';
import type { Gender, InteractionType, Location, Profile } from '@showcase/contracts';
import { Random } from '@showcase/simkit';
import {
  type Action,
  ARCHETYPES,
  candidatesOf,
  hamText,
  likeProbability,
  moveBy,
  personalMix,
  pickAction,
  replyText,
} from './oracles.ts';

/**
 * ONE seeded population for the whole platform. Every user is a member of each service's ground
 * truth at once:
 * - anti-spam: normal user (in a circle of friends it writes to) or spam account of one of
 *   anti-spam's spammer kinds (spammers.ts: blatant, slow, personalised, two-step, scripted,
 *   farms, returners; its own planner and texts, drawn from a random of their own);
 * - segmentation: a normal user's behavioural archetype (chatter, swiper, browser, traveller,
 *   picky: segmentation's own archetypes) decides the mix of its own actions;
 * - recommender: planted tastes — a kind, the kinds it prefers, an attractiveness (recommender's
 *   own model: a like is drawn with its `likeProbability`);
 * - match-search: a profile, a home in one of two cities, and movement (a short walk, or for
 *   travellers a trip of ~600 km and back), presence sessions.
 * `round()` turns the users into one event stream, one own action per normal user and round
 * (plus spam and some reads: inbox, matches, nearby,
 * recommendations, segment), which the driver replays over HTTP.
 */

export interface PlatformUser {
  readonly id: string;
  readonly spammer: boolean;
  /** anti-spam's spammer kind (spammers only). */
  readonly spamKind: SpammerKind | undefined;
  /** Template variant of a spam campaign. */
  readonly variant: number;
  /** segmentation archetype (index into ARCHETYPES); -1 for spammers. */
  readonly archetype: number;
  readonly weights: Readonly<Record<Action, number>>;
  /** recommender's planted tastes: own kind, preferred kinds, appeal. */
  readonly kind: number;
  readonly prefers: ReadonlySet<number>;
  readonly attractiveness: number;
  readonly profile: Profile;
  readonly home: Location;
  /** Where the user is now (moves as the stream goes on). */
  location: Location;
  online: boolean;
  readonly friends: string[];
}

export type PlatformEvent =
  | {
      readonly service: 'anti-spam';
      readonly actor: string;
      readonly to: string;
      readonly text: string;
      readonly spam: boolean;
      /** Chance the recipient answers (anti-spam's spam planner sets it; default by kind). */
      readonly replyChance?: number;
    }
  | {
      readonly service: 'edge-set';
      readonly actor: string;
      readonly to: string;
      readonly type: InteractionType;
    }
  | {
      readonly service: 'match-search';
      readonly actor: string;
      readonly update:
        | { readonly type: 'profile'; readonly profile: Profile }
        | { readonly type: 'location'; readonly location: Location }
        | { readonly type: 'presence'; readonly online: boolean };
    }
  /** A read a client of that service makes (GET path as the actor); no event for anyone. */
  | { readonly service: ReadService; readonly actor: string; readonly read: string };

export type ReadService = 'anti-spam' | 'edge-set' | 'match-search' | 'recommender' | 'segmentation';

/** What users look at, and how often (per user and round): their inbox, matches, who is near, … */
const READS: readonly {
  readonly service: ReadService;
  readonly p: number;
  readonly path: (id: string) => string;
}[] = [
  { service: 'anti-spam', p: 0.1, path: (id) => `/users/${id}/inbox` },
  { service: 'edge-set', p: 0.05, path: (id) => `/users/${id}/matches?limit=100` },
  { service: 'match-search', p: 0.1, path: (id) => `/users/${id}/nearby?radiusKm=25&limit=50` },
  {
    service: 'recommender',
    p: 0.1,
    path: (id) => `/users/${id}/recommendations?k=10&radiusKm=${TASTES.radiusKm}`,
  },
  { service: 'segmentation', p: 0.05, path: (id) => `/users/${id}/segment` },
];

export interface PopulationOptions {
  readonly users: number;
  readonly spamRatio: number;
  readonly seed: number;
  /** Prefix of every id: a run on a reused broker does not meet earlier runs' users. */
  readonly prefix: string;
}

/** The recommender's planted-taste settings (its simulator's defaults). */
export const TASTES = {
  kinds: 6,
  preferred: 2,
  likePreferred: 0.85,
  likeOther: 0.1,
  radiusKm: 100,
} as const;

/** Share of each user's candidates it never likes, passes or blocks (recommender's default). */
const HOLDOUT = 0.3;

const BERLIN: Location = { lat: 52.52, lon: 13.405 };
const MUNICH: Location = { lat: 48.14, lon: 11.58 };

function near(r: Random, center: Location, km: number): Location {
  const d = km * Math.sqrt(r.next());
  const angle = r.next() * 2 * Math.PI;
  return {
    lat: center.lat + (d * Math.cos(angle)) / 111.2,
    lon: center.lon + (d * Math.sin(angle)) / (111.2 * Math.cos((center.lat * Math.PI) / 180)),
  };
}

export function buildPopulation(o: PopulationOptions): {
  users: PlatformUser[];
  random: Random;
  accounts: SpamAccount[];
} {
  const r = new Random(o.seed);
  const spamCount = Math.max(1, Math.round(o.users * o.spamRatio));
  const ids = r.shuffle(
    Array.from({ length: o.users }, (_, i) => `${o.prefix}u${String(i).padStart(4, '0')}`),
  );
  const normals = ids.slice(0, o.users - spamCount);
  // anti-spam's social graph: circles of 4–8 who mostly know each other, some links across.
  const { friends, link } = friendCircles(r, normals);
  for (const a of normals) if (r.chance(0.5) || friends.get(a)!.size === 0) link(a, r.pick(normals));

  const users = ids.map((id, i): PlatformUser => {
    const spammer = i >= normals.length;
    const archetype = spammer ? -1 : i % ARCHETYPES.length;
    const gender: Gender = r.chance(0.5) ? 'female' : 'male';
    const other: Gender = gender === 'female' ? 'male' : 'female';
    const age = r.int(22, 45);
    const kinds = r.shuffle(Array.from({ length: TASTES.kinds }, (_, k) => k));
    const home = r.chance(0.15) ? near(r, MUNICH, 20) : near(r, BERLIN, 30);
    const roll = r.next();
    return {
      id,
      spammer,
      spamKind: spammer ? (roll < 0.5 ? 'link' : roll < 0.8 ? 'scam' : 'slow') : undefined,
      variant: r.int(0, 2),
      archetype,
      // A spammer's behaviour is its campaign, not a mix (it never draws from this one).
      weights: personalMix(ARCHETYPES[Math.max(0, archetype)]!, () => r.next()),
      kind: r.int(0, TASTES.kinds - 1),
      prefers: new Set(kinds.slice(0, TASTES.preferred)),
      attractiveness: 0.4 + 0.6 * r.next(),
      profile: {
        age,
        gender,
        seeking: r.chance(0.15) ? ['female', 'male'] : [other],
        ageMin: 18,
        ageMax: 60,
      },
      home,
      location: home,
      online: false,
      friends: spammer ? [] : [...friends.get(id)!],
    };
  });
  // anti-spam's spam operators over the spammer ids, from a random of their own (the draws
  // above stay as they were); farms and returners get further accounts, each a user that
  // looks like its operator (profile, home) under a new id.
  const spamRandom = new Random(o.seed ^ 0x5a17);
  const operators = users.filter((u) => u.spammer);
  const drawn = spamAccounts(
    spamRandom,
    operators.length,
    (n) => `${o.prefix}s${String(n).padStart(4, '0')}`,
    {
      firstRound: 3,
    },
  );
  const ofOperator = new Map<string, PlatformUser>();
  const accounts: SpamAccount[] = [];
  const extra: PlatformUser[] = [];
  for (const a of drawn) {
    const first = ofOperator.get(a.campaign);
    if (!first) {
      // An operator's first account is one of the population's spammers.
      const u = operators[ofOperator.size]!;
      ofOperator.set(a.campaign, u);
      Object.assign(u, { spamKind: a.kind, variant: a.variant });
      accounts.push({ ...a, id: u.id });
    } else {
      extra.push({ ...first, id: a.id, spamKind: a.kind, location: first.home, friends: [] });
      accounts.push(a);
    }
  }
  return { users: [...users, ...extra], random: r, accounts };
}

/**
 * The event stream of a population, round by round. Keeps what the generator needs to stay
 * plausible (who already swiped whom, who wrote to whom and awaits an answer); what the services
 * accepted is the driver's ledger, not this.
 */
export class EventStream {
  private readonly byId: Map<string, PlatformUser>;
  private readonly normals: PlatformUser[];
  private readonly candidates = new Map<string, PlatformUser[]>();
  /**
   * The candidates a user may like, pass or block: all but a held-out share (as in recommender's
   * own simulator), so that a long run still leaves unseen candidates to judge rankings by.
   */
  private readonly swipeable = new Map<string, PlatformUser[]>();
  /** `${from}>${to}` of every like, pass or block planned: one decision per pair. */
  private readonly decided = new Set<string>();
  /** Per user: who wrote to it and awaits an answer (oldest first, bounded). */
  private readonly pending = new Map<string, string[]>();
  /** anti-spam's spam planner: what every spam account sends, round by round. */
  private readonly spamPlanner: SpamPlanner;
  rounds = 0;

  constructor(
    readonly users: readonly PlatformUser[],
    private readonly r: Random,
    accounts: readonly SpamAccount[] = [],
    seed = 0,
  ) {
    this.byId = new Map(users.map((u) => [u.id, u]));
    this.normals = users.filter((u) => !u.spammer);
    // Nobody tells the driver about blocks: a returner moves on after 8 messages.
    this.spamPlanner = new SpamPlanner(
      new Random(seed ^ 0x5eed5),
      accounts,
      this.normals.map((u) => u.id),
    );
    for (const u of users) {
      const ids = new Set(candidatesOf(u, this.normals, TASTES.radiusKm).map((v) => v.id));
      const candidates = this.normals.filter((v) => ids.has(v.id));
      this.candidates.set(u.id, candidates);
      const shuffled = r.shuffle([...candidates]);
      this.swipeable.set(u.id, shuffled.slice(0, Math.round(shuffled.length * (1 - HOLDOUT))));
    }
  }

  /** Round 0: every user joins match-search (profile, location, presence). */
  join(): PlatformEvent[] {
    return this.users.flatMap((u): PlatformEvent[] => {
      u.online = this.r.chance(0.6);
      return [
        { service: 'match-search', actor: u.id, update: { type: 'profile', profile: u.profile } },
        { service: 'match-search', actor: u.id, update: { type: 'location', location: u.location } },
        { service: 'match-search', actor: u.id, update: { type: 'presence', online: u.online } },
      ];
    });
  }

  /** One round: one own action per normal user (and some reads), the spammers' campaigns. */
  round(): PlatformEvent[] {
    this.rounds++;
    const out: PlatformEvent[] = [];
    for (const u of this.r.shuffle([...this.users])) {
      if (!u.spammer) {
        out.push(this.act(u));
        for (const r of READS)
          if (this.r.chance(r.p))
            out.push({ service: r.service, actor: u.id, read: r.path(encodeURIComponent(u.id)) });
      }
    }
    for (const m of this.spamPlanner.next())
      out.push({
        service: 'anti-spam',
        actor: m.from,
        to: m.to,
        text: m.text,
        spam: true,
        replyChance: m.replyChance,
      });
    return out;
  }

  /**
   * A message was accepted: its recipient may answer it with a later own message action (by its
   * archetype's reply chance: a chatter answers, a browser hardly). Spam is rarely answered.
   */
  delivered(e: Extract<PlatformEvent, { text: string }>): void {
    const recipient = this.byId.get(e.to);
    // A spam account got an answer: two-step and scripted spammers follow up.
    if (recipient?.spammer && !this.byId.get(e.actor)?.spammer) this.spamPlanner.answered(e.to, e.actor);
    if (!recipient || recipient.spammer || (e.spam && !this.r.chance(e.replyChance ?? 0.03))) return;
    const list = this.pending.get(e.to) ?? [];
    if (!list.includes(e.actor)) list.push(e.actor);
    this.pending.set(e.to, list.slice(-20));
  }

  private act(u: PlatformUser): PlatformEvent {
    const r = this.r;
    const action = pickAction(u.weights, () => r.next());
    switch (action) {
      case 'message': {
        const waiting = this.pending.get(u.id) ?? [];
        if (waiting.length > 0 && r.chance(ARCHETYPES[u.archetype]!.replyChance))
          return { service: 'anti-spam', actor: u.id, to: waiting.shift()!, text: replyText(r), spam: false };
        return { service: 'anti-spam', actor: u.id, to: r.pick(u.friends), text: hamText(r), spam: false };
      }
      case 'location': {
        const archetype = ARCHETYPES[u.archetype]!;
        // Travellers take trips (~600 km) and come back; everyone else walks around.
        const away = archetype.moveKm > 100;
        u.location = away
          ? u.location === u.home
            ? moveBy(u.home, archetype.moveKm * (0.5 + r.next()), () => r.next())
            : u.home
          : moveBy(u.location, archetype.moveKm * (0.5 + r.next()), () => r.next());
        return { service: 'match-search', actor: u.id, update: { type: 'location', location: u.location } };
      }
      case 'presence':
        u.online = !u.online;
        return { service: 'match-search', actor: u.id, update: { type: 'presence', online: u.online } };
      case 'like':
      case 'pass':
      case 'block': {
        const to = this.decide(u, action);
        if (to) return { service: 'edge-set', actor: u.id, to, type: action };
        return { service: 'edge-set', actor: u.id, to: this.anyCandidate(u), type: 'visit' };
      }
      case 'visit':
        return { service: 'edge-set', actor: u.id, to: this.anyCandidate(u), type: 'visit' };
    }
  }

  /**
   * A not yet decided candidate for a like (drawn by the planted like probability), a pass (by
   * its complement) or a block (any); undefined when none is left after a few draws.
   */
  private decide(u: PlatformUser, action: 'like' | 'pass' | 'block'): string | undefined {
    const pool = this.swipeable.get(u.id)!;
    if (pool.length === 0) return undefined;
    for (let tries = 0; tries < 30; tries++) {
      const v = this.r.pick(pool);
      if (this.decided.has(`${u.id}>${v.id}`)) continue;
      const p = likeProbability(u, v, { ...TASTES, users: 0, prefix: '' });
      const fits = action === 'block' || this.r.chance(action === 'like' ? p : 1 - p);
      if (!fits) continue;
      this.decided.add(`${u.id}>${v.id}`);
      return v.id;
    }
    return undefined;
  }

  private anyCandidate(u: PlatformUser): string {
    const pool = this.candidates.get(u.id)!;
    return pool.length > 0 ? this.r.pick(pool).id : this.r.pick(this.normals.filter((v) => v !== u)).id;
  }
}
