import {
  defineGroup,
  type Group,
  input,
  join,
  json,
  lookup,
  loopback,
  output,
  persist,
  string,
} from '../../src/index.ts';

/**
 * Goka's messaging example (examples/3-messaging) ported group by group: users send messages;
 * the detector counts sent/received per user (loopback to the recipient) and emits a block
 * event for users who mostly send; the blocker keeps who is blocked; the filter joins the
 * blocker table, drops messages of blocked senders, translates words through a lookup of the
 * translator table and re-keys the rest to the recipient; the collector keeps each inbox.
 */
export interface Message {
  from: string;
  to: string;
  content: string;
}
export interface BlockEvent {
  unblock?: boolean;
}
export interface Counters {
  sent: number;
  received: number;
}
export interface WordTranslation {
  word: string;
  translation: string;
}

export const topics = {
  sent: 'message_sent',
  received: 'message_received',
  block: 'block_user',
  translate: 'translate-word',
} as const;

export const MIN_MESSAGES = 200;
export const MAX_RATE = 0.5;
export const INBOX_SIZE = 5;

export function isSpammer(c: Counters): boolean {
  const total = c.sent + c.received;
  return total >= MIN_MESSAGES && c.sent / total >= MAX_RATE;
}

export function messagingGroups(prefix = '') {
  const t = {
    sent: `${prefix}${topics.sent}`,
    received: `${prefix}${topics.received}`,
    block: `${prefix}${topics.block}`,
    translate: `${prefix}${topics.translate}`,
  };
  const blocker = defineGroup(
    `${prefix}blocker`,
    persist(json<{ blocked: boolean }>()),
    input(t.block, json<BlockEvent>(), (ctx, event) => {
      ctx.setValue({ blocked: !event.unblock });
    }),
  );
  const translator = defineGroup(
    `${prefix}translator`,
    persist(string()),
    input(t.translate, json<WordTranslation>(), (ctx, w) => {
      ctx.setValue(w.translation);
    }),
  );
  const blocked = join(blocker.table, json<{ blocked: boolean }>());
  const dictionary = lookup(translator.table, string());
  const received = output(t.received, json<Message>());
  const filter = defineGroup(
    `${prefix}message_filter`,
    blocked,
    dictionary,
    received,
    input(t.sent, json<Message>(), async (ctx, m) => {
      if (ctx.join(blocked)?.blocked) return;
      const words = await Promise.all(
        m.content.split(' ').map(async (w) => (await ctx.lookup(dictionary, w)) ?? w),
      );
      ctx.emit(received, m.to, { ...m, content: words.join(' ') });
    }),
  );
  const blockOut = output(t.block, json<BlockEvent>());
  const detector: Group<Counters, Message> = defineGroup(
    `${prefix}detector`,
    persist(json<Counters>()),
    blockOut,
    loopback(json<Message>(), (ctx) => {
      const c = ctx.value() ?? { sent: 0, received: 0 };
      c.received++;
      ctx.setValue(c);
      if (isSpammer(c)) ctx.emit(blockOut, ctx.key, {});
    }),
    input(t.sent, json<Message>(), (ctx, m) => {
      const c = ctx.value() ?? { sent: 0, received: 0 };
      c.sent++;
      ctx.setValue(c);
      if (isSpammer(c)) ctx.emit(blockOut, ctx.key, {});
      ctx.loopback(m.to, m);
    }),
  );
  const collector = defineGroup(
    `${prefix}collector`,
    persist(json<Message[]>()),
    input(t.received, json<Message>(), (ctx, m) => {
      ctx.setValue([...(ctx.value() ?? []), m].slice(-INBOX_SIZE));
    }),
  );
  return { topics: t, blocker, translator, filter, detector, collector };
}

/** Events of a scenario, in the order they are sent. */
export type ScenarioEvent =
  | { kind: 'message'; message: Message }
  | { kind: 'block'; user: string; unblock?: boolean }
  | { kind: 'translate'; word: string; translation: string };

/** A deterministic scenario: chatty users, one spammer, a manual block and unblock, translations. */
export function scenario(): ScenarioEvent[] {
  const events: ScenarioEvent[] = [
    { kind: 'translate', word: 'hallo', translation: 'hello' },
    { kind: 'translate', word: 'welt', translation: 'world' },
  ];
  const friends = ['anna', 'ben', 'cleo', 'dan', 'eva', 'finn'];
  for (let i = 0; i < 60; i++) {
    const from = friends[i % friends.length]!;
    const to = friends[(i * 5 + 1) % friends.length]!;
    events.push({ kind: 'message', message: { from, to, content: i % 3 === 0 ? 'hallo welt' : `msg ${i}` } });
    if (i === 20) events.push({ kind: 'block', user: 'dan' });
    if (i === 40) events.push({ kind: 'block', user: 'dan', unblock: true });
  }
  for (let i = 0; i < 230; i++) {
    events.push({
      kind: 'message',
      message: { from: 'spammer', to: `victim-${i % 40}`, content: `buy now ${i}` },
    });
    if (i % 50 === 0)
      events.push({ kind: 'message', message: { from: 'anna', to: 'spammer', content: 'stop' } });
  }
  return events;
}

/** The same semantics computed sequentially, without streams: what the groups must produce. */
export function reference(events: ScenarioEvent[]) {
  const counters = new Map<string, Counters>();
  const blocked = new Map<string, boolean>();
  const dictionary = new Map<string, string>();
  const inboxes = new Map<string, Message[]>();
  const count = (u: string) => {
    const c = counters.get(u) ?? { sent: 0, received: 0 };
    counters.set(u, c);
    return c;
  };
  for (const e of events) {
    if (e.kind === 'translate') dictionary.set(e.word, e.translation);
    else if (e.kind === 'block') blocked.set(e.user, !e.unblock);
    else {
      const m = e.message;
      if (!blocked.get(m.from)) {
        const content = m.content
          .split(' ')
          .map((w) => dictionary.get(w) ?? w)
          .join(' ');
        inboxes.set(m.to, [...(inboxes.get(m.to) ?? []), { ...m, content }].slice(-INBOX_SIZE));
      }
      const s = count(m.from);
      s.sent++;
      if (isSpammer(s)) blocked.set(m.from, true);
      const r = count(m.to);
      r.received++;
      if (isSpammer(r)) blocked.set(m.to, true);
    }
  }
  return { counters, blocked, inboxes };
}
