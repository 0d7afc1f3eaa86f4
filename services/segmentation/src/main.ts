/** segmentation as a process: `npm start -w services/segmentation` (see runService in service-kit). */
import { runService } from '@showcase/service-kit';
import { segmentation } from './service.ts';

runService(segmentation);
