/**
 * The anti-spam simulator: drives the service over HTTP with a labelled, seeded population and
 * reports how well blocks match the labels, how much spam got through before each block, how
 * much ham was lost, and the latency of POST /messages until the message is visible in the
 * recipient's GET inbox (and pushed on WS /ws/inbox). Run through `npm run simulate -- anti-spam`
 * (e2e/src/simulate.ts loads this entry): options.ts, run.ts, probes.ts, report.ts.
 */
export { usage, validate } from './options.ts';
export { simulate, type Target } from './run.ts';
