import { type Interaction, interactionTypes } from '@showcase/contracts';

export const USER_ID = /^[A-Za-z0-9._@-]{1,64}$/;
const types = new Set<string>(interactionTypes);

/**
 * Why a record on the interactions topic cannot be applied, or undefined when it can. The API
 * only writes valid ones; anything else (another producer, a bug) goes to the dead-letter topic.
 */
export function invalidInteraction(event: Interaction): string | undefined {
  if (typeof event !== 'object' || event === null) return 'not an object';
  if (typeof event.id !== 'string' || event.id.length === 0) return 'id must be a non-empty string';
  if (typeof event.from !== 'string' || !USER_ID.test(event.from)) return 'from must be a user id';
  if (typeof event.to !== 'string' || !USER_ID.test(event.to)) return 'to must be a user id';
  if (event.from === event.to) return 'from and to must differ';
  if (!types.has(event.type)) return `type must be one of ${interactionTypes.join(', ')}`;
  if (typeof event.at !== 'number' || !Number.isFinite(event.at)) return 'at must be ms since epoch';
  return undefined;
}
