import { ValidationError } from '../errors';

const FORBIDDEN_KEY = '__proto__';
/** Object-valued fields of a message, besides the payload (which `serialisePayload` checks). */
const MESSAGE_OBJECT_FIELDS = ['sender', 'recipient', 'replyTo', 'routing'] as const;

/**
 * Refuses an own `__proto__` key on `value` (as `JSON.parse` creates). class-transformer
 * drops such keys without a word, so a crafted message would otherwise be sent with part of
 * it silently ignored.
 *
 * @throws ValidationError naming `<field>.__proto__`
 */
export function assertNoPrototypeKey(value: unknown, field: string): void {
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, FORBIDDEN_KEY)) {
    throw new ValidationError(
      `${field}.${FORBIDDEN_KEY}`,
      'noPrototypeKeys',
      'the key __proto__ is not allowed',
    );
  }
}

/** {@link assertNoPrototypeKey} on a message and on each of its object fields but the payload. */
export function assertMessageHasNoPrototypeKeys(message: object, field: string): void {
  assertNoPrototypeKey(message, field);
  const fields = message as Record<string, unknown>;
  for (const name of MESSAGE_OBJECT_FIELDS) assertNoPrototypeKey(fields[name], `${field}.${name}`);
}
