/** Test helpers for services: `import { assertFuzzClean } from '@showcase/service-kit/testing'`. */
export {
  assertFuzzClean,
  type FuzzFailure,
  type FuzzOptions,
  type FuzzReport,
  type FuzzRoute,
  fuzzRoutes,
  routesOf,
} from './fuzz.ts';
