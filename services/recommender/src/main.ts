/** recommender as a process: `npm start -w services/recommender` (see runServiceProcess in service-kit). */
import { runServiceProcess } from '@showcase/service-kit';
import { createRecommender } from './app.ts';
import { recommenderEnv } from './config.ts';

runServiceProcess('recommender', recommenderEnv, (wiring) => createRecommender(wiring));
