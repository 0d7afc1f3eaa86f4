import type { BlockEvent, BlockState, MessageSent } from '@showcase/contracts';
import type { View } from '@showcase/goka';
import {
  badRequest,
  ErrorSchema,
  type MeteredEmitter,
  newId,
  type Service,
  Type,
} from '@showcase/service-kit';
import type { DetectorState, FilterStats, Inbox, InboxMessage } from './model.ts';
import type { Report } from './topics.ts';

export interface AntiSpamViews {
  readonly inbox: View<Inbox>;
  readonly blocks: View<BlockState>;
  readonly detector: View<DetectorState>;
  readonly filter: View<FilterStats>;
}

export interface AntiSpamEmitters {
  readonly messages: MeteredEmitter<MessageSent>;
  readonly blocks: MeteredEmitter<BlockEvent>;
  readonly reports: MeteredEmitter<Report>;
}

const UserId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9._@-]+$',
  description: 'user id',
});
const UserParams = Type.Object({ id: UserId });
const Accepted = Type.Object({ id: Type.String({ description: 'event id' }) });
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema };
const bearer = [{ bearer: [] }];

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
 * The HTTP and WebSocket contract of SERVICES.md. Writes go through emitters and answer 202
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
      const inbox = await views.inbox.get(request.params.id);
      const { limit, after } = request.query;
      let messages = inbox?.messages ?? [];
      if (after !== undefined) messages = messages.filter((m) => m.seq > after);
      if (limit !== undefined) messages = messages.slice(-limit);
      return { messages: messages.map(toApi), total: inbox?.total ?? 0 };
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
      let last = Number.POSITIVE_INFINITY;
      const pending: Inbox[] = [];
      const push = (inbox: Inbox) =>
        inbox.messages.filter((m) => m.seq > last).map((m) => ({ type: 'message', ...toApi(m) }));
      const { channel } = service.ws.subscribe(socket, views.inbox, '/ws/inbox', {
        keys: [user],
        map: (update) => {
          if (!update.value) return undefined;
          if (last === Number.POSITIVE_INFINITY) {
            pending.push(update.value);
            return undefined;
          }
          const out = push(update.value);
          last = Math.max(last, update.value.total);
          return out;
        },
      });
      const current = await views.inbox.get(user);
      last = current?.total ?? 0;
      channel.send({ type: 'subscribed', user, total: last });
      for (const inbox of pending.splice(0)) {
        for (const m of push(inbox)) channel.send(m);
        last = Math.max(last, inbox.total);
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
