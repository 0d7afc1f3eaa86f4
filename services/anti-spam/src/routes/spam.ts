import {
  bearerSecurity as bearer,
  clientErrorResponses as errors,
  type RoutePlugin,
  Type,
  UserParamsSchema as UserParams,
} from '@showcase/service-kit';
import { plainReason } from '../block-reason.ts';
import type { AntiSpamDeps } from './deps.ts';

/** A user's spam status: the block and counters for the user, score and features for admins. */
export const spamRoutes: RoutePlugin<AntiSpamDeps> = async (app, { auth, views }) => {
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
};
