/**
 * How a service of this repository runs as a process lives in service-kit (supervisor/
 * service-command.ts), so that service-kit's test harness starts services the way `npm start`
 * does without importing scripts/. Kept here for the scripts that import it by this path.
 */
export * from '../libs/service-kit/src/supervisor/service-command.ts';
