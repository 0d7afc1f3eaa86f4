/**
 * Scenario 7's baseline: a bare Fastify server (no logger, no auth, no schema) whose
 * GET /users/:id/inbox returns a constant. Sends its port on the IPC channel; exits on SIGTERM
 * or when the parent goes away.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const inbox = { messages: [], total: 0 };
app.get('/users/:id/inbox', async () => inbox);

const stop = (code: number) => void app.close().finally(() => process.exit(code));
process.on('disconnect', () => stop(1));
process.on('SIGTERM', () => stop(143));
process.on('SIGINT', () => stop(130));

app.listen({ host: '127.0.0.1', port: 0 }).then(
  () => {
    const address = app.server.address();
    process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  },
  (error: unknown) => {
    process.stderr.write(`[bare-server] ${String(error)}\n`);
    process.exit(1);
  },
);
