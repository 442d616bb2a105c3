import { createHash } from 'crypto';

/** A short, one-way digest: proves which value a handler read without revealing it. */
export function fingerprint(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 12);
}
