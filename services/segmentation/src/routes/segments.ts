import {
  bearerSecurity as bearer,
  clientErrorResponses as errors,
  type RoutePlugin,
  Type,
} from '@showcase/service-kit';
import { namedFeatures, round } from '../features.ts';
import { labelOf } from '../model/state.ts';
import { MODEL_KEY } from '../topics.ts';
import type { SegmentationDeps } from './deps.ts';

/** The learned segments, from the model's single row. */
export const segmentRoutes: RoutePlugin<SegmentationDeps> = async (app, { auth, views }) => {
  app.get(
    '/segments',
    {
      onRequest: auth.user,
      schema: {
        summary: 'The learned segments: size (users assigned), centroid (raw features), label',
        tags: ['segments'],
        security: bearer,
        response: {
          200: Type.Object({
            segments: Type.Array(
              Type.Object({
                id: Type.Integer(),
                size: Type.Integer(),
                centroid: Type.Record(Type.String(), Type.Number()),
                label: Type.Optional(Type.String()),
                weight: Type.Number({ description: 'decayed number of points the model saw in it' }),
                spread: Type.Number({ description: 'mean standardised squared distance to the centroid' }),
              }),
            ),
            points: Type.Integer({ description: 'points the model learned from' }),
            history: Type.Array(
              Type.Object({ at: Type.String({ format: 'date-time' }), event: Type.String() }),
            ),
          }),
          ...errors,
        },
      },
    },
    async () => {
      const model = await views.model.get(MODEL_KEY);
      return {
        segments: (model?.segments ?? [])
          .map((s) => {
            const label = labelOf(s);
            return {
              id: s.id,
              size: Math.round(s.members),
              centroid: namedFeatures(s.c),
              ...(label !== undefined ? { label } : {}),
              weight: round(s.n, 4),
              spread: round(s.spread, 4),
            };
          })
          .sort((a, b) => a.id - b.id),
        points: model?.points ?? 0,
        history: (model?.history ?? [])
          .slice(-20)
          .map((h) => ({ at: new Date(h.at).toISOString(), event: h.event })),
      };
    },
  );
};
