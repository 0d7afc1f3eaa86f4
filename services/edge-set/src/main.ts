/** edge-set as a process: `npm start -w services/edge-set` (see runService in service-kit). */
import { runService } from '@showcase/service-kit';
import { edgeSet } from './service.ts';

runService(edgeSet);
