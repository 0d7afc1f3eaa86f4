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

/** The blatant kinds whose texts `spamText` writes (the platform simulator uses them too). */
export type BlatantKind = 'link' | 'scam' | 'slow';
/** @deprecated the blatant kinds; every kind is `SpammerKind` in spammers.ts. */
export type SpammerKind = BlatantKind;

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

export function spamText(kind: BlatantKind, r: Random, variant: number): string {
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

/** Popular destinations people share with friends (link sharers): the same few domains. */
const SHARED_LINKS = [
  'https://youtube.com/watch?v=',
  'https://open.spotify.com/track/',
  'https://maps.example.org/place/',
  'https://news.example.com/story/',
];

/** Chat with a link to a video, a song, a place: what link sharers send to friends. */
export function sharedLinkText(r: Random): string {
  return `${r.pick(OPENERS)} ${r.pick(['look at this', 'you have to see this', 'this one', 'remember this?', 'for you'])} ${r.pick(SHARED_LINKS)}${r.int(1000, 999999)}${r.pick(TAILS)}`;
}

/** The greeting some people send, nearly word for word, to every new match. */
export function greetingText(r: Random, variant: number): string {
  const name = r.pick(NAMES);
  const greetings = [
    `Hi ${name}! Nice to match with you :) how is your week going so far?`,
    `Hey ${name}, happy we matched! What are you up to this weekend?`,
    `Hello ${name} :) your profile made me smile, how is your day going?`,
  ];
  return greetings[variant % greetings.length]!;
}

/** A destination of a campaign: one domain (and path) every message of the campaign points to. */
export function campaignDestination(r: Random): string {
  const words = [
    'velvet',
    'lucky',
    'secret',
    'sunny',
    'rapid',
    'golden',
    'private',
    'sweet',
    'crypto',
    'dream',
  ];
  return `https://${r.pick(words)}-${r.pick(words)}${r.int(10, 99)}.${r.pick(TLDS)}/${r.pick(['join', 'pics', 'me', 'go'])}`;
}

/**
 * Personalised spam: the recipient's name and wording varied from slot lists, so no two texts
 * are near-duplicates; only the destination stays the same.
 */
export function personalisedText(r: Random, destination: string): string {
  const name = r.pick(NAMES);
  const hello = r.pick([
    `Hi ${name}`,
    `Hey ${name}!`,
    `${name} :)`,
    `Hello dear ${name},`,
    `Good evening ${name}`,
  ]);
  const hook = r.pick([
    'your smile caught my eye',
    'I think we would get along',
    'you seem really interesting',
    'I could not stop looking at your photos',
    'we have so much in common',
    'something about you feels special',
  ]);
  const ask = r.pick([
    'I rarely log in here, find me at',
    'my private album is at',
    'let us talk somewhere quieter:',
    'I posted more about me on',
    'write me where I answer faster',
  ]);
  return `${hello} ${hook}. ${ask} ${destination}`;
}

/** Harmless small talk that opens a two-step or scripted conversation (no destination). */
export function smallTalkText(r: Random): string {
  const name = r.pick(NAMES);
  return r.pick([
    `hey ${name} how are you today?`,
    `hi ${name} :) what do you do for fun?`,
    `hello ${name}, nice profile! where are you from?`,
    `${name} hi, how was your day?`,
  ]);
}

/** The second step: the destination, sent to someone who answered the small talk. */
export function followUpText(r: Random, destination: string): string {
  return r.pick([
    `I am not online here much, let's chat on ${destination}`,
    `cool :) I have more pics on ${destination}`,
    `nice! add me here, it's easier: ${destination}`,
  ]);
}

/** A scripted replier's lines, one per answer it gets, whatever the answer said. */
export function scriptedText(step: number, destination: string): string {
  const lines = [
    `haha you are sweet. I am busy here, my private page is ${destination}`,
    `did you see my page yet? ${destination} I wait for you there`,
    `please sign up on ${destination} so we can talk`,
  ];
  return lines[Math.min(step, lines.length - 1)]!;
}
