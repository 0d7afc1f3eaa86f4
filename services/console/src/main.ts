/**
 * The console as a process: `npm start -w services/console`, then open http://127.0.0.1:4100/
 * and paste an admin token (`npm run token -- --user ops --admin`).
 */
import { runService } from '@showcase/service-kit';
import { consoleService } from './service.ts';

runService(consoleService);
