/** `import { Supervisor } from '@showcase/service-kit/supervisor'` (npm start uses it). */

export { type DiscoveredService, discoverServices } from './discover.ts';
export {
  buildOnce,
  DIST_NODE_FLAGS,
  type ServiceCommand,
  type ServiceSource,
  serviceCommand,
  serviceEntry,
  serviceSource,
} from './service-command.ts';
export {
  type ProcessSpec,
  type SupervisedState,
  type SupervisedStatus,
  Supervisor,
  type SupervisorOptions,
} from './supervisor.ts';
