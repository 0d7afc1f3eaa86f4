/** anti-spam as a process: `npm start -w services/anti-spam` (see runServiceProcess in service-kit). */
import { runServiceProcess } from '@showcase/service-kit';
import { createAntiSpam } from './app.ts';
import { antiSpamEnv } from './config.ts';

runServiceProcess('anti-spam', antiSpamEnv, (wiring) => createAntiSpam(wiring));
