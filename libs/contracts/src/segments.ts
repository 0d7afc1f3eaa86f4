import { json } from '@showcase/goka';
import { defineTopic } from './topic.ts';

/** A user's predicted segment changed (also its first assignment: `previous` = null). */
export interface SegmentChanged {
  readonly id: string;
  /** The user (also the record key). */
  readonly user: string;
  readonly segment: number;
  readonly previous: number | null;
  /** In [0, 1]. */
  readonly confidence: number;
  /** ms since epoch. */
  readonly at: number;
}

export const segmentChanges = defineTopic<SegmentChanged>({
  name: 'segmentation-segment-changed',
  key: 'user id (SegmentChanged.user)',
  event: 'SegmentChanged',
  codec: json<SegmentChanged>(),
  kind: 'stream',
  owner: 'segmentation',
  description: "A user's segment changed; other services may tailor ranking or onboarding by it",
});
