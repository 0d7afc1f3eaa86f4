/** segmentation as a process: `npm start -w services/segmentation` (see runServiceProcess in service-kit). */
import { runServiceProcess } from '@showcase/service-kit';
import { createSegmentation } from './app.ts';
import { segmentationEnv } from './config.ts';

runServiceProcess('segmentation', segmentationEnv, (wiring) => createSegmentation(wiring));
