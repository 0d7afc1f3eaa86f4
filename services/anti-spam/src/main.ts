/** anti-spam as a process: `npm start -w services/anti-spam` (see runService in service-kit). */
import { runService } from '@showcase/service-kit';
import { antiSpam } from './service.ts';

runService(antiSpam);
