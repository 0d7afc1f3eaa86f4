import {
  bearerSecurity as bearer,
  ErrorSchema,
  clientErrorResponses as errors,
  HttpError,
  newId,
  type RoutePlugin,
  Type,
  UserIdSchema as UserId,
} from '@showcase/service-kit';
import { currentSegment as current } from '../model/current-segment.ts';
import { MODEL_KEY } from '../topics.ts';
import type { SegmentationDeps } from './deps.ts';

/** Ground truth from admins: a label vote for the user's current segment. */
export const labelRoutes: RoutePlugin<SegmentationDeps> = async (app, { auth, views, emitters }) => {
  app.post(
    '/labels',
    {
      onRequest: auth.admin,
      schema: {
        summary:
          'Ground truth (admin): the user belongs to the group named `segment`; its current segment gets the vote',
        tags: ['segments'],
        security: bearer,
        body: Type.Object({ user: UserId, segment: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: {
          202: Type.Object({ id: Type.String(), segment: Type.Integer() }),
          ...errors,
          409: ErrorSchema,
        },
      },
    },
    async (request, reply) => {
      const { user, segment: label } = request.body;
      const [state, model] = await Promise.all([views.features.get(user), views.model.get(MODEL_KEY)]);
      const segment = current(model, state?.segment ?? null);
      if (segment === null) {
        throw new HttpError(
          409,
          'no_segment',
          `user ${user} has no segment yet: a label needs one to name`,
          'body.user',
        );
      }
      const id = newId();
      await emitters.labels.emit(MODEL_KEY, {
        id,
        user,
        segment,
        label,
        by: request.user.id,
        at: Date.now(),
      });
      return reply.status(202).send({ id, segment });
    },
  );
};
