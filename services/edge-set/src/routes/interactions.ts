import { interactionTypes } from '@showcase/contracts';
import {
  badRequest,
  bearerSecurity as bearer,
  clientErrorResponses as errors,
  newId,
  type RoutePlugin,
  Type,
  UserIdSchema as UserId,
} from '@showcase/service-kit';
import type { EdgeSetDeps } from './deps.ts';
import { literals } from './schemas.ts';

/**
 * POST /interactions: the write of docs/contracts.md (edge-set). It goes through the emitter and
 * answers 202 once Kafka acknowledged it; the groups apply it to the pair rows and the index.
 */
export const interactionRoutes: RoutePlugin<EdgeSetDeps> = async (app, { auth, emitters }) => {
  app.post(
    '/interactions',
    {
      onRequest: auth.user,
      schema: {
        summary: 'Record an interaction of the caller with another user',
        tags: ['interactions'],
        security: bearer,
        body: Type.Object({ to: UserId, type: literals(interactionTypes) }),
        response: { 202: Type.Object({ id: Type.String({ description: 'event id' }) }), ...errors },
      },
    },
    async (request, reply) => {
      const from = request.user.id;
      const { to, type } = request.body;
      if (to === from) throw badRequest('body.to cannot be the actor', 'body.to');
      const id = newId();
      await emitters.interactions.emit(from, { id, from, to, type, at: Date.now() });
      return reply.status(202).send({ id });
    },
  );
};
