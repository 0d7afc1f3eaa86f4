import { ConfigError, type ConfigOf, env, streamEnvSpec } from '@showcase/service-kit';
import type { DetectorConfig } from './features.ts';
import { defaultDetectorConfig as d } from './features.ts';

export const DEFAULT_PORT = 4101;

/**
 * anti-spam's own variables (the shared ones — PORT, HOST, AUTH_SECRET, LOG_LEVEL, … — come
 * from service-kit). The detector thresholds are documented here with their defaults; they were
 * tuned on the labelled simulator population (see README / `npm run simulate -- anti-spam`).
 */
export const antiSpamEnv = {
  ...streamEnvSpec('anti-spam'),
  INBOX_SIZE: env.int({ default: 50, min: 1, max: 1000, doc: 'messages kept per inbox' }),
  SPAM_THRESHOLD: env.number({ default: d.threshold, min: 0, max: 1, doc: 'score that blocks a user' }),
  SPAM_MIN_MESSAGES: env.int({ default: d.minMessages, min: 1, doc: 'messages before any automatic block' }),
  SPAM_FANOUT_LOW: env.int({
    default: d.fanoutLow,
    min: 0,
    doc: 'distinct recipients that still count as normal',
  }),
  SPAM_FANOUT_HIGH: env.int({
    default: d.fanoutHigh,
    min: 1,
    doc: 'distinct recipients that count as fully suspicious',
  }),
  SPAM_RATE_HIGH: env.number({
    default: d.rateHighPerMinute,
    min: 0.01,
    doc: 'messages/minute that count as fully suspicious',
  }),
  SPAM_RATE_HALF_LIFE_S: env.number({
    default: d.rateHalfLifeSeconds,
    min: 1,
    doc: 'half-life of the decayed rate',
  }),
  SPAM_WINDOW: env.int({
    default: d.window,
    min: 2,
    max: 200,
    doc: 'recent messages kept for duplicate/link ratios',
  }),
  SPAM_REPORT_THRESHOLD: env.int({
    default: d.reportThreshold,
    min: 1,
    doc: 'report weight that blocks a user (a report about small talk weighs half)',
  }),
  SPAM_MAX_PEERS: env.int({ default: d.maxPeers, min: 10, doc: 'recipients/senders remembered per user' }),
  SPAM_SPREAD: env.int({
    default: d.spread,
    min: 2,
    max: 8,
    doc: 'people just contacted who got one destination not known to be good, from a sender without conversations: blocks',
  }),
};

export type AntiSpamConfig = ConfigOf<typeof antiSpamEnv>;

export function detectorConfig(c: AntiSpamConfig): DetectorConfig {
  if (c.SPAM_FANOUT_HIGH <= c.SPAM_FANOUT_LOW) {
    throw new ConfigError(['SPAM_FANOUT_HIGH must be greater than SPAM_FANOUT_LOW']);
  }
  return {
    threshold: c.SPAM_THRESHOLD,
    minMessages: c.SPAM_MIN_MESSAGES,
    fanoutLow: c.SPAM_FANOUT_LOW,
    fanoutHigh: c.SPAM_FANOUT_HIGH,
    rateHighPerMinute: c.SPAM_RATE_HIGH,
    rateHalfLifeSeconds: c.SPAM_RATE_HALF_LIFE_S,
    window: c.SPAM_WINDOW,
    reportThreshold: c.SPAM_REPORT_THRESHOLD,
    maxPeers: c.SPAM_MAX_PEERS,
    spread: c.SPAM_SPREAD,
  };
}
