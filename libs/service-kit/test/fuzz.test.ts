import { memoryCluster } from '@showcase/goka';
import { afterEach, describe, expect, it } from 'vitest';
import { createService, ErrorSchema, mintToken, type Service, Type, UserIdSchema } from '../src/index.ts';
import { assertFuzzClean, fuzzRoutes } from '../src/testing/index.ts';

const SECRET = 'fuzz-test-secret-0123456789-abcdefgh';
const token = (user: string, admin: boolean) => mintToken({ secret: SECRET, user, admin });

const services: Service[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
});

async function build(broken: boolean) {
  const service = await createService({
    name: 'fuzz',
    port: 0,
    cluster: memoryCluster({ partitions: 1 }),
    env: { AUTH_SECRET: SECRET, LOG_LEVEL: 'silent', PORT: '0' },
  });
  services.push(service as Service);
  const { app, auth } = service;
  const notes = new Map<string, string[]>();
  app.post(
    '/users/:id/notes',
    {
      onRequest: auth.selfOrAdmin('id'),
      schema: {
        params: Type.Object({ id: UserIdSchema }),
        body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: { 201: Type.Object({ count: Type.Integer() }), 400: ErrorSchema },
      },
    },
    async (request, reply) => {
      const list = notes.get(request.params.id) ?? [];
      list.push(request.body.text);
      notes.set(request.params.id, list);
      return reply.status(201).send({ count: list.length });
    },
  );
  app.get(
    '/users/:id/notes',
    {
      onRequest: auth.selfOrAdmin('id'),
      schema: {
        params: Type.Object({ id: UserIdSchema }),
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })) }),
        response: { 200: Type.Object({ notes: Type.Array(Type.String()) }) },
      },
    },
    async (request) => {
      // The deliberate bug of the "broken" variant: a plain object indexed by a user id.
      const store: Record<string, string[]> = broken ? {} : Object.create(null);
      const list = store[request.params.id] ?? notes.get(request.params.id) ?? [];
      return { notes: list.slice(-(request.query.limit ?? 50)).map((n) => n.toUpperCase()) };
    },
  );
  app.get(
    '/ws/notes',
    { websocket: true, onRequest: auth.user, schema: { summary: 'notes, pushed' } },
    (socket) => socket.close(),
  );
  await service.start({ listen: false });
  return service;
}

describe('fuzz helper', () => {
  it('a sound app: every route fuzzed, no 5xx, every error uniform', async () => {
    const service = await build(false);
    const report = await assertFuzzClean(service.app, { token, requests: 400, seed: 7 });
    expect(report.routes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['POST /users/{id}/notes', 'GET /users/{id}/notes', 'GET /ws/notes']),
    );
    // The fuzz reached handlers (2xx), validation (400), auth (401/403) and routing alike.
    for (const status of [200, 201, 400, 401, 403])
      expect(report.byStatus.get(status) ?? 0, String(status)).toBeGreaterThan(0);
  });

  it('bites: a route that breaks on prototype keys is reported with the request', async () => {
    const service = await build(true);
    const report = await fuzzRoutes(service.app, { token, requests: 400, seed: 7 });
    expect(report.failures.length).toBeGreaterThan(0);
    expect(report.failures[0]).toMatchObject({ why: 'server error', status: 500, method: 'GET' });
    await expect(assertFuzzClean(service.app, { token, requests: 400, seed: 7 })).rejects.toThrow(
      /fuzz requests failed/,
    );
  });
});
