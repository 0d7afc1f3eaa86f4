import type { FastifyPluginAsync } from 'fastify';
import { stalledStores } from './admin/group-status.ts';
import type { EnvSpec } from './config.ts';
import type { Service } from './service.ts';

/** /healthz (liveness), /readyz (readiness), /metrics (Prometheus): an encapsulated plugin. */
export const opsRoutes: FastifyPluginAsync<{ readonly service: Service<EnvSpec> }> = async (
  app,
  { service },
) => {
  const ops = { tags: ['ops'] };
  app.get(
    '/healthz',
    { schema: { ...ops, summary: 'Liveness: 503 once a processor or view failed' } },
    async (_req, reply) => {
      const failed = service.componentStates().filter((c) => c.state === 'failed');
      if (failed.length > 0) {
        return reply.status(503).send({
          error: 'unhealthy',
          message: failed.map((c) => `${c.kind} ${c.name} failed: ${c.error ?? 'unknown'}`).join('; '),
          status: 'failed',
        });
      }
      return { status: 'ok', service: service.name };
    },
  );
  app.get(
    '/readyz',
    {
      schema: {
        ...ops,
        summary:
          'Readiness: 503 until every view recovered and every processor joined once (later rebalances do not count: see /metrics), 503 while a partition or view stalls on its table store or the data dir is not writable (the message says why), 503 while shutting down',
      },
    },
    async (_req, reply) => {
      const components = service.componentStates();
      // A partition or view stalled on its store (goka retries it in place): not ready, and why.
      const stalled = stalledStores(service.registeredProcessors, service.registeredViews);
      if (service.ready && stalled.length === 0)
        return { status: 'ready', service: service.name, components };
      const waiting = components.filter((c) => c.state !== 'running');
      const problems = [...stalled, ...service.readinessProblems()];
      const message =
        service.state === 'stopping' || service.state === 'stopped'
          ? 'shutting down'
          : problems.length > 0
            ? problems.join('; ')
            : `waiting for ${waiting.map((c) => `${c.kind} ${c.name} (${c.state})`).join(', ') || 'start'}`;
      return reply.status(503).send({ error: 'not_ready', message, status: 'not_ready', components });
    },
  );
  app.get('/metrics', { schema: { ...ops, summary: 'Prometheus metrics' } }, async (_req, reply) => {
    const { contentType, body } = await service.metrics.render();
    return reply.type(contentType).send(body);
  });
};
