import { describe, expect, it } from 'vitest';
import {
  classify,
  defaultDetectorConfig,
  hasLink,
  jaccard,
  perMinute,
  score,
  tokens,
  WEIGHTS,
} from '../src/features.ts';

describe('features', () => {
  it('finds URLs, e-mail addresses and phone numbers', () => {
    for (const t of [
      'see http://x.io/a',
      'www.example.org',
      'go to cheap-pills.xyz now',
      'mail me@spam.biz',
      'call +1 (555) 010-9999',
    ])
      expect(hasLink(t), t).toBe(true);
    for (const t of ['see you at 7', 'haha ok', 'it costs 20 euros', 'the end.'])
      expect(hasLink(t), t).toBe(false);
  });

  it('normalises templates so that slot fillers do not hide duplicates', () => {
    const a = tokens('Hi Anna! Hot singles near you: http://a.xyz/1 call 555-1234567');
    const b = tokens('Hi Bert! Hot singles near you: http://b.xyz/2 call 555-7654321');
    expect(jaccard(a, b)).toBeGreaterThan(0.6);
    const first = classify('Hi Anna! Hot singles near you: http://a.xyz/1', [], true);
    const second = classify('Hi Bert! Hot singles near you: http://b.xyz/2', [first], true);
    expect(second).toMatchObject({ dup: true, link: true, cold: true });
    // Short texts never count as duplicates.
    const ok = classify('ok', [], false);
    expect(classify('ok', [ok], false).dup).toBe(false);
  });

  it('rate: a decayed count converts to messages per minute', () => {
    // Steady 1 message/s with a 60 s half-life: count -> 60 / ln 2.
    expect(perMinute(60 / Math.LN2, 60)).toBeCloseTo(60);
  });

  it('weights sum to 1 without reports; the score is clamped to [0, 1]', () => {
    const { reports: _r, ...rest } = WEIGHTS;
    expect(Object.values(rest).reduce((a, b) => a + b, 0)).toBeCloseTo(1);
    expect(score({ fanout: 1, noReply: 1, duplicate: 1, links: 1, cold: 1, rate: 1, reports: 1 })).toBe(1);
    expect(defaultDetectorConfig.fanoutHigh).toBeGreaterThan(defaultDetectorConfig.fanoutLow);
  });
});
