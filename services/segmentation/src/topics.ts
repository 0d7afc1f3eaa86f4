import { interactions, matchEvents, messagesSent, segmentChanges, userUpdates } from '@showcase/contracts';
import { json, tableTopic } from '@showcase/goka';
import type { FeatureState } from './features.ts';
import type { ModelPoint } from './model/learn.ts';
import type { ModelState } from './model/state.ts';

/**
 * Topics internal to segmentation (cross-service ones live in libs/contracts). Group names carry
 * the service prefix: consumer groups and `<group>-table` topics share one Kafka namespace.
 */
export const groups = {
  features: 'segmentation-features',
  model: 'segmentation-model',
} as const;

/** The one key of the model group: the model is a single row every instance reads. */
export const MODEL_KEY = 'model';

/** What the features group tells the user it loops back to. */
export type FeatureLoop =
  | { readonly type: 'message-received'; readonly from: string; readonly at: number }
  | { readonly type: 'like-received' | 'visit-received'; readonly from: string; readonly at: number };

/** Sampled feature vectors for the model; key = MODEL_KEY. */
export const points = {
  name: 'segmentation-points',
  key: `constant "${MODEL_KEY}"`,
  codec: json<ModelPoint>(),
} as const;

/** A label vote from POST /labels; key = MODEL_KEY. */
export interface LabelVote {
  readonly id: string;
  readonly user: string;
  readonly segment: number;
  readonly label: string;
  readonly by: string;
  readonly at: number;
}

export const labels = {
  name: 'segmentation-labels',
  key: `constant "${MODEL_KEY}"`,
  codec: json<LabelVote>(),
} as const;

export const tables = {
  /** Per user: decayed sums, the prediction (segment, confidence) and its feature vector. */
  features: { name: tableTopic(groups.features), codec: json<FeatureState>() },
  /** One row (MODEL_KEY): the model. */
  model: { name: tableTopic(groups.model), codec: json<ModelState>() },
} as const;

/**
 * The names a deployment of the two groups uses. Production uses the contract topics and the
 * groups above; a benchmark runs the same groups on topics of its own.
 */
export interface Topology {
  readonly features: string;
  readonly model: string;
  readonly messages: string;
  readonly interactions: string;
  readonly matches: string;
  readonly users: string;
  readonly points: string;
  readonly labels: string;
  readonly changes: string;
}

export const defaultTopology: Topology = {
  features: groups.features,
  model: groups.model,
  messages: messagesSent.name,
  interactions: interactions.name,
  matches: matchEvents.name,
  users: userUpdates.name,
  points: points.name,
  labels: labels.name,
  changes: segmentChanges.name,
};
