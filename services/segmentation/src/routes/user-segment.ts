import {
  bearerSecurity as bearer,
  clientErrorResponses as errors,
  type RoutePlugin,
  Type,
  UserIdSchema as UserId,
} from '@showcase/service-kit';
import { type FeatureState, namedFeatures } from '../features.ts';
import { currentSegment as current } from '../model/current-segment.ts';
import { labelOf } from '../model/state.ts';
import { MODEL_KEY } from '../topics.ts';
import type { SegmentationDeps } from './deps.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A user's segment: read from the features and model views, and its changes pushed. */
export const userSegmentRoutes: RoutePlugin<SegmentationDeps> = async (app, { auth, views, ws }) => {
  app.get(
    '/users/:id/segment',
    {
      onRequest: auth.selfOrAdmin('id'),
      schema: {
        summary: "A user's predicted segment, its confidence and the features it was predicted from",
        tags: ['segments'],
        security: bearer,
        params: Type.Object({ id: UserId }),
        response: {
          200: Type.Object({
            user: Type.String(),
            segment: Type.Union([Type.Integer(), Type.Null()], { description: 'null until enough events' }),
            confidence: Type.Number({ minimum: 0, maximum: 1 }),
            features: Type.Record(Type.String(), Type.Number()),
            previous: Type.Union([Type.Integer(), Type.Null()]),
            since: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
            events: Type.Integer({ description: 'own events counted so far' }),
            label: Type.Optional(Type.String()),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const user = request.params.id;
      const [state, model] = await Promise.all([views.features.get(user), views.model.get(MODEL_KEY)]);
      const segment = current(model, state?.segment ?? null);
      const label = segment === null ? undefined : model?.segments.find((s) => s.id === segment);
      const name = label ? labelOf(label) : undefined;
      return {
        user,
        segment,
        confidence: segment === null ? 0 : (state?.confidence ?? 0),
        features: state?.vector ? namedFeatures(state.vector) : {},
        previous: current(model, state?.previous ?? null),
        since: iso(state?.segmentAt ?? null),
        events: state?.events ?? 0,
        ...(name !== undefined ? { label: name } : {}),
      };
    },
  );

  app.get(
    '/ws/segments',
    {
      websocket: true,
      onRequest: auth.user,
      schema: { summary: "The caller's segment changes, pushed: { segment, previous, at }" },
    },
    async (socket, request) => {
      const user = request.user.id;
      // Changes up to the current row are in GET /users/:id/segment already; push later ones.
      let last: number | null | undefined;
      const pending: FeatureState[] = [];
      const change = (s: FeatureState) =>
        s.segmentAt !== null && s.segmentAt !== last
          ? { type: 'segment-changed', segment: s.segment, previous: s.previous, at: iso(s.segmentAt) }
          : undefined;
      const { channel } = ws.subscribe(socket, views.features, '/ws/segments', {
        keys: [user],
        map: (update) => {
          if (!update.value) return undefined;
          if (last === undefined) {
            pending.push(update.value);
            return undefined;
          }
          const out = change(update.value);
          last = update.value.segmentAt;
          return out;
        },
      });
      const now = await views.features.get(user);
      last = now?.segmentAt ?? null;
      channel.send({ type: 'subscribed', user, segment: now?.segment ?? null });
      for (const s of pending.splice(0)) {
        const out = change(s);
        last = s.segmentAt;
        if (out) channel.send(out);
      }
    },
  );
};
