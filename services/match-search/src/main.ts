/** match-search as a process: `npm start -w services/match-search` (see runServiceProcess in service-kit). */
import { runServiceProcess } from '@showcase/service-kit';
import { createMatchSearch } from './app.ts';
import { matchSearchEnv } from './config.ts';

runServiceProcess('match-search', matchSearchEnv, (wiring) => createMatchSearch(wiring));
