/**
 * The console as a process: `npm start -w services/console`, then open http://127.0.0.1:4100/
 * and paste an admin token (`npm run token -- --user ops --admin`).
 */
import { ConfigError } from '@showcase/service-kit';
import { createConsole } from './app.ts';

async function main(): Promise<void> {
  const { service, upstreams } = await createConsole();
  service.logger.info({ services: upstreams.map((u) => `${u.name}=${u.url}`) }, 'console watches');
  await service.run();
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`console: ${error.message}`);
  else console.error('console failed to start:', error);
  process.exit(1);
});
