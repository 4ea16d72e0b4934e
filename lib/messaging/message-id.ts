import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Length of a generated message id: 16 characters of base 62, about 95 random bits. */
export const GENERATED_ID_LENGTH = 16;

/** Random bytes drawn from the system in one call and used up before the next. */
const pool = Buffer.alloc(4096);
let next = pool.length;

function randomByte(): number {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++];
}

/**
 * A new message id: {@link GENERATED_ID_LENGTH} random characters of `[0-9A-Za-z]`.
 *
 * Shorter than a UUID on purpose: the id is stored twice per queued message (in its ready
 * list and as the key of its body), and 16 characters keep that key within a 32-byte
 * allocation of Redis (a UUID's takes 48) while collisions stay out of reach (about 2^47 ids before
 * one becomes likely, and a collision only matters for the same recipient within the
 * de-duplication window).
 */
export function newMessageId(): string {
  let id = '';
  while (id.length < GENERATED_ID_LENGTH) {
    // Bytes of 248 and above would favour the first characters: they are skipped.
    const byte = randomByte();
    if (byte < 248) id += ALPHABET[byte % 62];
  }
  return id;
}
