/** `import { Supervisor } from '@showcase/service-kit/supervisor'` (npm start uses it). */

export { type DiscoveredService, discoverServices } from './discover.ts';
export {
  type ProcessSpec,
  type SupervisedState,
  type SupervisedStatus,
  Supervisor,
  type SupervisorOptions,
} from './supervisor.ts';
