/** match-search as a process: `npm start -w services/match-search` (see runService in service-kit). */
import { runService } from '@showcase/service-kit';
import { matchSearch } from './service.ts';

runService(matchSearch);
