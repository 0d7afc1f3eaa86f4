import type { BlockEvent } from '@showcase/contracts';
import {
  AcceptedSchema as Accepted,
  bearerSecurity as bearer,
  clientErrorResponses as errors,
  newId,
  type RoutePlugin,
  Type,
  UserParamsSchema as UserParams,
} from '@showcase/service-kit';
import type { AntiSpamDeps } from './deps.ts';

/** Moderators (admins): block, unblock, verify a user; watch every block change live. */
export const moderationRoutes: RoutePlugin<AntiSpamDeps> = async (app, { auth, emitters, views, ws }) => {
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

  app.get(
    '/ws/moderation',
    {
      websocket: true,
      onRequest: auth.admin,
      schema: { summary: 'Block state changes of every user (admin)' },
    },
    (socket) => {
      const { channel } = ws.subscribe(socket, views.blocks, '/ws/moderation', {
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
};
