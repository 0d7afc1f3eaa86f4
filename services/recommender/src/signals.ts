import type { InteractionType } from '@showcase/contracts';

/** What one interaction says about P(actor likes target): a label and how much to trust it. */
export interface Signal {
  readonly label: 0 | 1;
  readonly weight: number;
}

/** Weights of the weaker signals (config: LEARN_WEIGHT_*). */
export interface SignalWeights {
  readonly message: number;
  readonly visit: number;
  readonly unlike: number;
}

export const defaultSignalWeights: SignalWeights = { message: 0.5, visit: 0.15, unlike: 0.5 };

/**
 * like = positive, pass = negative, block = a strong negative; message and visit are weaker
 * positives (interest, not yet a decision); unlike takes back a like, a weaker negative.
 * unblock says nothing about taste.
 */
export function signalOf(type: InteractionType, weights: SignalWeights): Signal | undefined {
  switch (type) {
    case 'like':
      return { label: 1, weight: 1 };
    case 'pass':
      return { label: 0, weight: 1 };
    case 'block':
      return { label: 0, weight: 1 };
    case 'message':
      return weights.message > 0 ? { label: 1, weight: weights.message } : undefined;
    case 'visit':
      return weights.visit > 0 ? { label: 1, weight: weights.visit } : undefined;
    case 'unlike':
      return weights.unlike > 0 ? { label: 0, weight: weights.unlike } : undefined;
    case 'unblock':
      return undefined;
  }
}
