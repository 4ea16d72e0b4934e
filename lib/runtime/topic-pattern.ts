import { describeValue } from '../common/validate';
import { ConfigurationError } from '../errors';

/** The longest topic pattern: as long as the longest topic a message may carry. */
export const MAX_TOPIC_PATTERN_LENGTH = 256;

/** Segment that matches exactly one segment of a topic. */
const ONE = '*';
/** Last segment that matches the rest of a topic: zero or more segments. */
const REST = '#';
/** A literal segment: what a topic segment must equal. */
const LITERAL = /^[A-Za-z0-9_:-]+$/;

/**
 * How much a segment narrows what a pattern matches. A pattern that ends ranks above one that
 * goes on with `#` at the same place: of two patterns matching one topic, that is the only
 * place where one ends and the other does not.
 */
const RANK = { rest: 0, one: 1, literal: 2, end: 3 } as const;

/**
 * A validated topic pattern: dot-separated segments, each a literal (`[A-Za-z0-9_:-]+`, matched
 * case-sensitively), `*` (exactly one segment, whatever it holds) or, as the last segment
 * only, `#` (the rest of the topic: zero or more segments, so `orders.#` matches `orders`,
 * `orders.created` and `orders.eu.created`).
 */
export class TopicPattern {
  private readonly ranks: readonly number[];

  private constructor(
    /** The pattern as written. */
    readonly source: string,
    private readonly segments: readonly string[],
  ) {
    this.ranks = segments.map(rankOf);
  }

  /**
   * Checks a pattern's syntax.
   *
   * @param field names the pattern in errors, e.g. `topic`
   * @throws ConfigurationError naming `field` and the rule broken: `isString`, `isNotEmpty`,
   *   `maxLength`, `emptySegment`, `matches` (a segment other than a literal, `*` or `#`),
   *   `restLast` (`#` before the last segment)
   */
  static parse(pattern: unknown, field = 'topic'): TopicPattern {
    if (typeof pattern !== 'string') {
      throw new ConfigurationError(
        field,
        'isString',
        `must be a string, got ${describeValue(pattern)}`,
      );
    }
    if (pattern.length === 0) {
      throw new ConfigurationError(field, 'isNotEmpty', 'must not be empty');
    }
    if (pattern.length > MAX_TOPIC_PATTERN_LENGTH) {
      throw new ConfigurationError(
        field,
        'maxLength',
        `must be at most ${MAX_TOPIC_PATTERN_LENGTH} characters, got ${pattern.length}`,
      );
    }
    const segments = pattern.split('.');
    segments.forEach((segment, index) => {
      const where = `"${pattern}" segment ${index + 1}`;
      if (segment === '') {
        throw new ConfigurationError(field, 'emptySegment', `${where} is empty`);
      }
      if (segment === REST && index < segments.length - 1) {
        throw new ConfigurationError(
          field,
          'restLast',
          `${where}: "#" may only be the last segment`,
        );
      }
      if (segment !== ONE && segment !== REST && !LITERAL.test(segment)) {
        throw new ConfigurationError(
          field,
          'matches',
          `${where} (${JSON.stringify(segment)}) must be "*", "#" or characters of [A-Za-z0-9_:-]`,
        );
      }
    });
    return new TopicPattern(pattern, segments);
  }

  /** Whether the pattern matches a topic given as its segments (`topic.split('.')`). */
  matches(topic: readonly string[]): boolean {
    const { segments } = this;
    for (let index = 0; index < segments.length; index++) {
      const segment = segments[index];
      if (segment === REST) return true;
      if (index >= topic.length || (segment !== ONE && segment !== topic[index])) return false;
    }
    return segments.length === topic.length;
  }

  /**
   * Orders patterns most specific first: compared segment by segment from the left, at the
   * first place they differ a literal beats `*`, `*` beats `#`, and a pattern that ends there
   * beats one that goes on with `#`. Of two different patterns that match one topic, exactly
   * one comes first; patterns of equal ranks (which never match the same topic) are ordered by
   * their text, so the order is total.
   *
   * @returns negative when `this` is more specific than `other`, positive when less, 0 when equal
   */
  compare(other: TopicPattern): number {
    const length = Math.max(this.ranks.length, other.ranks.length);
    for (let index = 0; index < length; index++) {
      const difference = (other.ranks[index] ?? RANK.end) - (this.ranks[index] ?? RANK.end);
      if (difference !== 0) return difference;
    }
    return this.source < other.source ? -1 : this.source > other.source ? 1 : 0;
  }
}

function rankOf(segment: string): number {
  return segment === REST ? RANK.rest : segment === ONE ? RANK.one : RANK.literal;
}
