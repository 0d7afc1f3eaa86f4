import type { Random } from '@showcase/simkit';

/**
 * Message texts. Ham is varied chat built from many small pieces, sometimes very short,
 * sometimes with a link or a phone number (people share videos and numbers too). Spam is a
 * handful of templates with slots (name, number, domain), as spam campaigns are.
 */
const OPENERS = ['hey', 'hi', 'yo', 'so', 'omg', 'ok so', 'btw', 'hmm', 'listen', 'guess what'];
const SUBJECTS = [
  'the party',
  'my sister',
  'the new job',
  'that movie',
  'the train',
  'your cat',
  'the concert',
  'dinner',
  'the gym',
  'my exam',
  'the weekend',
  'our trip',
  'the game last night',
  'the weather',
  'your new place',
  'the book you lent me',
  'that bar downtown',
  'the meeting',
  'grandma',
  'the football match',
];
const PREDICATES = [
  'was amazing',
  'got cancelled',
  'is tomorrow right?',
  'made me laugh so hard',
  'was a disaster haha',
  'starts at eight',
  'is driving me crazy',
  'looks really nice',
  'went better than expected',
  'is still on?',
  'reminded me of you',
  'was way too long',
  'needs a plan',
  'is so expensive now',
  'was fun, thanks',
];
const TAILS = [
  '',
  '',
  '',
  ' :)',
  ' haha',
  ' lol',
  '!',
  ' ?',
  ' see you',
  ' xx',
  ' let me know',
  ' call me later',
];
const SHORT = [
  'ok',
  'haha',
  'lol',
  'yes!',
  'no way',
  'sure',
  'thanks',
  'good night',
  ':)',
  'omw',
  'k',
  'see you',
];
const HAM_LINKS = [
  'https://youtube.com/watch?v=',
  'https://maps.example.org/place/',
  'https://news.example.com/story/',
];

export function hamText(r: Random): string {
  if (r.chance(0.2)) return r.pick(SHORT);
  let text = `${r.pick(OPENERS)} ${r.pick(SUBJECTS)} ${r.pick(PREDICATES)}${r.pick(TAILS)}`;
  if (r.chance(0.04)) text += ` ${r.pick(HAM_LINKS)}${r.int(1000, 99999)}`;
  if (r.chance(0.01)) text += ` my new number is 0151 ${r.int(1000000, 9999999)}`;
  return text;
}

export function replyText(r: Random): string {
  return r.chance(0.35) ? r.pick(SHORT) : hamText(r);
}

const NAMES = [
  'Anna',
  'Ben',
  'Chris',
  'Dana',
  'Eli',
  'Fay',
  'Gus',
  'Hana',
  'Ivo',
  'Jo',
  'Kim',
  'Lou',
  'Max',
  'Nia',
];
const DOMAINS = [
  'hot-singles',
  'cheap-meds',
  'crypto-win',
  'free-prize',
  'date-now',
  'cam-girls',
  'loan-fast',
];
const TLDS = ['xyz', 'top', 'club', 'biz', 'info', 'site'];

export type SpammerKind = 'link' | 'scam' | 'slow';

const LINK_TEMPLATES = [
  (n: string, u: string) => `Hi ${n}! I saw your profile and I like it. See my private pics here ${u}`,
  (n: string, u: string) => `Hey ${n} :) hot singles in your area are waiting for you, join free: ${u}`,
  (n: string, u: string) => `${n}, you have won a prize!!! Claim it now at ${u} before it expires`,
];
const SCAM_TEMPLATES = [
  (n: string, p: string) =>
    `Hello dear ${n}, I am a lonely soldier abroad and need a true friend. Write me on whatsapp ${p}`,
  (n: string, p: string) =>
    `Hi ${n}, I can make you rich with bitcoin trading in one week, contact my manager ${p}`,
  (n: string, p: string) =>
    `Dear ${n} I am stuck at the airport and need help with the fee, please text ${p}`,
];

export function spamText(kind: SpammerKind, r: Random, variant: number): string {
  const name = r.pick(NAMES);
  const url = `http://${r.pick(DOMAINS)}-${r.int(1, 999)}.${r.pick(TLDS)}/p/${r.int(1, 99999)}`;
  const phone = r.chance(0.5)
    ? `+44 7${r.int(100000000, 999999999)}`
    : `${name.toLowerCase()}${r.int(10, 99)}@mail-box.biz`;
  switch (kind) {
    case 'link':
      return LINK_TEMPLATES[variant % LINK_TEMPLATES.length]!(name, url);
    case 'scam':
      return SCAM_TEMPLATES[variant % SCAM_TEMPLATES.length]!(name, phone);
    case 'slow':
      // Rotates through templates of both kinds: less duplicate-looking than a campaign.
      return r.chance(0.5)
        ? LINK_TEMPLATES[r.int(0, LINK_TEMPLATES.length - 1)]!(name, url)
        : SCAM_TEMPLATES[r.int(0, SCAM_TEMPLATES.length - 1)]!(name, phone);
  }
}
