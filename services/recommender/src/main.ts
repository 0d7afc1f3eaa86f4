/** recommender as a process: `npm start -w services/recommender` (see runService in service-kit). */
import { runService } from '@showcase/service-kit';
import { recommender } from './service.ts';

runService(recommender);
