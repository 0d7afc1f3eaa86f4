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

/**
 * POST /messages: accepted with 202 once Kafka acknowledged it (also from a blocked sender,
 * whose messages the filter drops: GET /users/:id/spam tells the sender).
 */
export const messageRoutes: RoutePlugin<AntiSpamDeps> = async (app, { auth, emitters }) => {
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
};
