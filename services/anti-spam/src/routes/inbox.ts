import {
  bearerSecurity as bearer,
  clientErrorResponses as errors,
  type RoutePlugin,
  Type,
  UserParamsSchema as UserParams,
} from '@showcase/service-kit';
import { readInbox } from '../inbox.ts';
import { type InboxMessage, inboxOwner } from '../model.ts';
import type { AntiSpamDeps } from './deps.ts';

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
 * A user's inbox: GET reads it from the views (eventually consistent), the WebSocket pushes the
 * messages delivered after the caller connected.
 */
export const inboxRoutes: RoutePlugin<AntiSpamDeps> = async (app, { auth, views, config, ws }) => {
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
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: config.INBOX_SIZE })),
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
      const { messages, total } = await readInbox(views, request.params.id, config.INBOX_SIZE, {
        ...(limit !== undefined ? { limit } : {}),
        ...(after !== undefined ? { after } : {}),
      });
      return { messages: messages.map(toApi), total };
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
        if (pushed.size > 2 * config.INBOX_SIZE) {
          const floor = Math.max(...pushed) - config.INBOX_SIZE;
          for (const seq of pushed) if (seq < floor) pushed.delete(seq);
          base = Math.max(base, floor - 1);
        }
        return true;
      };
      const { channel } = ws.subscribe(socket, views.inboxEntries, '/ws/inbox', {
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
      const { total } = await readInbox(views, user, config.INBOX_SIZE, { limit: 1 });
      base = total;
      channel.send({ type: 'subscribed', user, total });
      for (const m of pending.splice(0).sort((a, b) => a.seq - b.seq)) {
        if (fresh(m)) channel.send({ type: 'message', ...toApi(m) });
      }
    },
  );
};
