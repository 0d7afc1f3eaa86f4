import {
  AcceptedSchema as Accepted,
  badRequest,
  bearerSecurity as bearer,
  clientErrorResponses as errors,
  newId,
  type RoutePlugin,
  Type,
  UserIdSchema as UserId,
} from '@showcase/service-kit';
import type { AntiSpamDeps } from './deps.ts';

/** POST /reports: a user reports another; enough distinct reporters block (the blocker group). */
export const reportRoutes: RoutePlugin<AntiSpamDeps> = async (app, { auth, emitters }) => {
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
};
