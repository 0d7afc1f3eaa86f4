import type { View } from '@showcase/goka';
import {
  badRequest,
  bearerSecurity as bearer,
  ErrorSchema,
  clientErrorResponses as errors,
  HttpError,
  type MeteredEmitter,
  newId,
  type Service,
  Type,
  UserIdSchema as UserId,
} from '@showcase/service-kit';
import { type FeatureState, namedFeatures, round } from './features.ts';
import { labelOf, type ModelState, resolveSegment } from './model/state.ts';
import { type LabelVote, MODEL_KEY } from './topics.ts';

export interface SegmentationViews {
  readonly features: View<FeatureState>;
  readonly model: View<ModelState>;
}

export interface SegmentationEmitters {
  readonly labels: MeteredEmitter<LabelVote>;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A stored segment id as it is now: merged or pruned ids lead to the segment that took them. */
const current = (model: ModelState | undefined, id: number | null) =>
  id === null || !model ? id : (resolveSegment(model, id) ?? id);

/** The HTTP and WebSocket contract of docs/contracts.md (segmentation). Reads come from views. */
export function registerRoutes(
  service: Service,
  deps: { views: SegmentationViews; emitters: SegmentationEmitters },
): void {
  const { app, auth } = service;
  const { views, emitters } = deps;

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

  app.post(
    '/labels',
    {
      onRequest: auth.admin,
      // The shared validator coerces scalars (7 → "7"); a body is taken as sent, so check first.
      preValidation: async (request) => {
        const body = request.body as Record<string, unknown> | null | undefined;
        for (const field of ['user', 'segment'] as const) {
          if (
            body &&
            typeof body === 'object' &&
            Object.hasOwn(body, field) &&
            typeof body[field] !== 'string'
          ) {
            throw badRequest(`body.${field} must be a string`, `body.${field}`);
          }
        }
      },
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
      const { channel } = service.ws.subscribe(socket, views.features, '/ws/segments', {
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
}
