import type { BlockEvent, BlockState, MessageSent } from '@showcase/contracts';
import type { View } from '@showcase/goka';
import {
  AcceptedSchema as Accepted,
  badRequest,
  bearerSecurity as bearer,
  clientErrorResponses as errors,
  type MeteredEmitter,
  newId,
  type Service,
  Type,
  UserIdSchema as UserId,
  UserParamsSchema as UserParams,
} from '@showcase/service-kit';
import {
  type DetectorState,
  type FilterStats,
  type InboxHead,
  type InboxMessage,
  inboxEntryRange,
  inboxOwner,
} from './model.ts';
import type { Report } from './topics.ts';

export interface AntiSpamViews {
  /** Per user: total delivered and the last ids (the collector's table). */
  readonly inbox: View<InboxHead>;
  /** Per message: `<user>|<seq>` rows of anti-spam-inbox. */
  readonly inboxEntries: View<InboxMessage>;
  readonly blocks: View<BlockState>;
  readonly detector: View<DetectorState>;
  readonly filter: View<FilterStats>;
}

export interface AntiSpamEmitters {
  readonly messages: MeteredEmitter<MessageSent>;
  readonly blocks: MeteredEmitter<BlockEvent>;
  readonly reports: MeteredEmitter<Report>;
}

const InboxMessageSchema = Type.Object({
  id: Type.String(),
  from: Type.String(),
  text: Type.String(),
  sentAt: Type.String({ format: 'date-time' }),
  seq: Type.Integer({
    description: 'position in the inbox since the beginning; new messages have higher seq',
  }),
});

const toApi = (m: InboxMessage) => ({
  id: m.id,
  from: m.from,
  text: m.text,
  sentAt: new Date(m.sentAt).toISOString(),
  seq: m.seq,
});

/**
 * A user's inbox from the entry rows (a key range of the entries view; the view merges its
 * partitions in key order): the last `limit` messages with seq > `after`, oldest first. `total`
 * is the head's count, or the highest seq seen if the entries' view is ahead of the head's.
 * Entries beyond the last `size` whose tombstone has not arrived yet are left out.
 */
export async function readInbox(
  views: Pick<AntiSpamViews, 'inbox' | 'inboxEntries'>,
  user: string,
  size: number,
  options: { limit?: number; after?: number } = {},
): Promise<{ messages: InboxMessage[]; total: number }> {
  const head = await views.inbox.get(user);
  const newest: InboxMessage[] = [];
  const range = inboxEntryRange(user, (options.after ?? 0) + 1);
  for await (const [, m] of views.inboxEntries.iterate({ ...range, reverse: true, limit: size })) {
    newest.push(m);
  }
  const total = Math.max(head?.total ?? 0, newest[0]?.seq ?? 0);
  const live = newest.filter((m) => m.seq > total - size);
  const messages = live.slice(0, options.limit ?? size).reverse();
  return { messages, total };
}

/** Why a user is blocked, for the user: no score, no features, no detector internals. */
export function plainReason(block: BlockState | undefined): string | null {
  if (!block?.blocked) return null;
  switch (block.source) {
    case 'manual':
      return 'blocked by a moderator; your messages are not delivered. Contact the moderators to appeal.';
    case 'report':
      return 'blocked because several users reported your messages; they are not delivered until a moderator reviews your account.';
    case 'detector':
      return 'blocked because your messages looked like spam; they are not delivered until a moderator verifies your account.';
    default:
      return 'blocked; your messages are not delivered.';
  }
}

/**
 * The HTTP and WebSocket contract of docs/contracts.md. Writes go through emitters and answer 202
 * once Kafka acknowledged them; reads come from views (eventually consistent).
 */
export function registerRoutes(
  service: Service,
  deps: { views: AntiSpamViews; emitters: AntiSpamEmitters; inboxSize: number },
): void {
  const { app, auth } = service;
  const { views, emitters } = deps;

  app.post(
    '/messages',
    {
      onRequest: auth.user,
      schema: {
        summary: 'Send a message as the caller',
        tags: ['messages'],
        security: bearer,
        body: Type.Object({ to: UserId, text: Type.String({ minLength: 1, maxLength: 2000 }) }),
        response: { 202: Accepted, ...errors },
      },
    },
    async (request, reply) => {
      const from = request.user.id;
      const { to, text } = request.body;
      if (to === from) throw badRequest('body.to cannot be the sender', 'body.to');
      const id = newId();
      await emitters.messages.emit(from, { id, from, to, text, sentAt: Date.now() });
      return reply.status(202).send({ id });
    },
  );

  app.get(
    '/users/:id/inbox',
    {
      onRequest: auth.selfOrAdmin('id'),
      schema: {
        summary: 'The last delivered messages of a user, oldest first',
        tags: ['messages'],
        security: bearer,
        params: UserParams,
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: deps.inboxSize })),
          after: Type.Optional(Type.Integer({ minimum: 0, description: 'only messages with seq > after' })),
        }),
        response: {
          200: Type.Object({ messages: Type.Array(InboxMessageSchema), total: Type.Integer() }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { limit, after } = request.query;
      const { messages, total } = await readInbox(views, request.params.id, deps.inboxSize, {
        ...(limit !== undefined ? { limit } : {}),
        ...(after !== undefined ? { after } : {}),
      });
      return { messages: messages.map(toApi), total };
    },
  );

  app.get(
    '/users/:id/spam',
    {
      onRequest: auth.selfOrAdmin('id'),
      schema: {
        summary: 'Spam status of a user: block state and why, counters; score and features for admins',
        description:
          'A user asking about itself sees whether it is blocked and why, in plain words (a message from a blocked sender is accepted with 202 and dropped, so this is where a sender learns it). ' +
          "The score, its features and the detector's detailed reason are only shown to admins: they would teach a spammer how to evade the detector. " +
          'An admin lifts automatic blocks with POST /users/:id/verify.',
        tags: ['moderation'],
        security: bearer,
        params: UserParams,
        response: {
          200: Type.Object({
            user: Type.String(),
            blocked: Type.Boolean(),
            source: Type.Union([
              Type.Literal('manual'),
              Type.Literal('detector'),
              Type.Literal('report'),
              Type.Null(),
            ]),
            reason: Type.Union([Type.String(), Type.Null()]),
            since: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
            verified: Type.Boolean(),
            score: Type.Optional(Type.Number({ description: 'admins only' })),
            sent: Type.Integer(),
            received: Type.Integer(),
            delivered: Type.Integer({ description: 'messages of this user that reached inboxes' }),
            dropped: Type.Integer({ description: 'messages of this user dropped while blocked' }),
            deliveredBeforeBlock: Type.Union([Type.Integer(), Type.Null()]),
            features: Type.Optional(
              Type.Record(Type.String(), Type.Number(), { description: 'admins only' }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const id = request.params.id;
      const [block, detector, filter] = await Promise.all([
        views.blocks.get(id),
        views.detector.get(id),
        views.filter.get(id),
      ]);
      const status = {
        user: id,
        blocked: block?.blocked ?? false,
        source: block?.source ?? null,
        since: block?.since ? new Date(block.since).toISOString() : null,
        verified: block?.verified ?? false,
        sent: detector?.sent ?? 0,
        received: detector?.received ?? 0,
        delivered: filter?.delivered ?? 0,
        dropped: filter?.dropped ?? 0,
        deliveredBeforeBlock: filter?.deliveredBeforeBlock ?? null,
      };
      if (!request.user.admin) return { ...status, reason: plainReason(block) };
      return {
        ...status,
        reason: block?.reason ?? null,
        score: detector?.score ?? 0,
        features: { ...(detector?.features ?? {}) },
      };
    },
  );

  const moderation = (type: 'block' | 'unblock' | 'verify', summary: string) => {
    const body =
      type === 'block'
        ? Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) })
        : Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) });
    app.post(
      `/users/:id/${type}`,
      {
        onRequest: auth.admin,
        schema: {
          summary,
          tags: ['moderation'],
          security: bearer,
          params: UserParams,
          body,
          response: { 202: Accepted, ...errors },
        },
      },
      async (request, reply) => {
        const user = (request.params as { id: string }).id;
        const reason = (request.body as { reason?: string } | undefined)?.reason;
        const base = { id: newId(), user, by: request.user.id, at: Date.now() };
        const event: BlockEvent =
          type === 'block'
            ? { ...base, type, source: 'manual', reason: reason ?? '' }
            : type === 'unblock'
              ? { ...base, type, ...(reason ? { reason } : {}) }
              : { ...base, type };
        await emitters.blocks.emit(user, event);
        return reply.status(202).send({ id: base.id });
      },
    );
  };
  moderation('block', 'Block a user manually (admin)');
  moderation('unblock', 'Lift any block (admin)');
  moderation('verify', 'Verify a user (admin): lifts detector/report blocks and exempts from them');

  app.post(
    '/reports',
    {
      onRequest: auth.user,
      schema: {
        summary: 'Report another user as a spammer or scammer',
        tags: ['moderation'],
        security: bearer,
        body: Type.Object({ user: UserId, reason: Type.String({ minLength: 1, maxLength: 500 }) }),
        response: { 202: Accepted, ...errors },
      },
    },
    async (request, reply) => {
      const by = request.user.id;
      const { user, reason } = request.body;
      if (user === by) throw badRequest('body.user cannot be the reporter', 'body.user');
      const id = newId();
      await emitters.reports.emit(user, { id, user, by, reason, at: Date.now() });
      return reply.status(202).send({ id });
    },
  );

  app.get(
    '/ws/inbox',
    {
      websocket: true,
      onRequest: auth.user,
      schema: { summary: 'Messages delivered to the caller, pushed' },
    },
    async (socket, request) => {
      const user = request.user.id;
      // Messages with seq up to the current total are in GET /inbox already; push the ones after.
      // Entry rows of one user live on several partitions of anti-spam-inbox, so their updates
      // may arrive out of seq order: every seq above the base is pushed once, in arrival order.
      let base = Number.POSITIVE_INFINITY;
      const pushed = new Set<number>();
      const pending: InboxMessage[] = [];
      const fresh = (m: InboxMessage) => {
        if (m.seq <= base || pushed.has(m.seq)) return false;
        pushed.add(m.seq);
        // Bounded memory: seqs far below the newest cannot arrive any more.
        if (pushed.size > 2 * deps.inboxSize) {
          const floor = Math.max(...pushed) - deps.inboxSize;
          for (const seq of pushed) if (seq < floor) pushed.delete(seq);
          base = Math.max(base, floor - 1);
        }
        return true;
      };
      const { channel } = service.ws.subscribe(socket, views.inboxEntries, '/ws/inbox', {
        keys: [user],
        keyOf: inboxOwner,
        map: (update) => {
          const m = update.value;
          if (!m) return undefined; // an entry leaving the inbox
          if (base === Number.POSITIVE_INFINITY) {
            pending.push(m);
            return undefined;
          }
          return fresh(m) ? { type: 'message', ...toApi(m) } : undefined;
        },
      });
      const { total } = await readInbox(views, user, deps.inboxSize, { limit: 1 });
      base = total;
      channel.send({ type: 'subscribed', user, total });
      for (const m of pending.splice(0).sort((a, b) => a.seq - b.seq)) {
        if (fresh(m)) channel.send({ type: 'message', ...toApi(m) });
      }
    },
  );

  app.get(
    '/ws/moderation',
    {
      websocket: true,
      onRequest: auth.admin,
      schema: { summary: 'Block state changes of every user (admin)' },
    },
    (socket) => {
      const { channel } = service.ws.subscribe(socket, views.blocks, '/ws/moderation', {
        keys: 'all',
        map: (update) =>
          update.value
            ? {
                type: update.value.blocked ? 'block' : 'unblock',
                user: update.key,
                source: update.value.source,
                reason: update.value.reason,
                since: update.value.since ? new Date(update.value.since).toISOString() : null,
                verified: update.value.verified,
                score: update.value.score,
              }
            : undefined,
      });
      channel.send({ type: 'subscribed' });
    },
  );
}
