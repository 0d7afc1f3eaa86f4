/** edge-set as a process: `npm start -w services/edge-set` (see runServiceProcess in service-kit). */
import { runServiceProcess } from '@showcase/service-kit';
import { createEdgeSet } from './app.ts';
import { edgeSetEnv } from './config.ts';

runServiceProcess('edge-set', edgeSetEnv, (wiring) => createEdgeSet(wiring));
