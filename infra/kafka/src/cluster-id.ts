import { randomBytes } from 'node:crypto';

/** What `kafka-storage.sh random-uuid` prints: 16 random bytes, base64url, no padding, no leading `-`. */
export function newClusterId(random: (size: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export function isValidClusterId(id: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/.test(id) && Buffer.from(id, 'base64url').length === 16;
}
