import { ConfigurationError, ErrorCode, ValidationError } from '../../../lib';
import { MAX_TOPIC_PATTERN_LENGTH, TopicPattern } from '../../../lib/runtime/topic-pattern';

const matches = (pattern: string, topic: string): boolean =>
  TopicPattern.parse(pattern).matches(topic.split('.'));

/** The patterns sorted most specific first. */
const bySpecificity = (...patterns: string[]): string[] =>
  patterns
    .map((p) => TopicPattern.parse(p))
    .sort((a, b) => a.compare(b))
    .map((p) => p.source);

describe('TopicPattern', () => {
  describe('syntax', () => {
    it.each([
      ['a literal', 'orders'],
      ['literals of every allowed character', 'Orders_2.eu-west:1'],
      ['one-segment wildcards', '*.created.*'],
      ['a trailing rest wildcard', 'orders.#'],
      ['the rest wildcard alone', '#'],
      [`${MAX_TOPIC_PATTERN_LENGTH} characters`, 'a'.repeat(MAX_TOPIC_PATTERN_LENGTH)],
    ])('accepts %s', (_name, pattern) => {
      expect(TopicPattern.parse(pattern).source).toBe(pattern);
    });

    it.each([
      ['an empty pattern', '', 'isNotEmpty', 'must not be empty'],
      ['an empty middle segment', 'orders..created', 'emptySegment', 'segment 2 is empty'],
      ['a leading dot', '.orders', 'emptySegment', 'segment 1 is empty'],
      ['a trailing dot', 'orders.', 'emptySegment', 'segment 2 is empty'],
      ['# before the last segment', 'orders.#.created', 'restLast', 'segment 2'],
      ['a space', 'orders.new order', 'matches', '"new order"'],
      ['a wildcard inside a segment', 'orders.creat*', 'matches', '"creat*"'],
      ['a rest wildcard inside a segment', 'orders.#x', 'matches', '"#x"'],
      ['a slash', 'orders/created', 'matches', 'segment 1'],
      ['a non-ASCII letter', 'bestellungen.größe', 'matches', 'segment 2'],
      [
        `${MAX_TOPIC_PATTERN_LENGTH + 1} characters`,
        'a'.repeat(MAX_TOPIC_PATTERN_LENGTH + 1),
        'maxLength',
        `at most ${MAX_TOPIC_PATTERN_LENGTH} characters, got ${MAX_TOPIC_PATTERN_LENGTH + 1}`,
      ],
    ])('rejects %s with rule %s', (_name, pattern, rule, detail) => {
      let error: unknown;
      try {
        TopicPattern.parse(pattern);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ field: 'topic', rule, code: ErrorCode.INVALID_CONFIG });
      expect((error as Error).message).toContain(detail);
    });

    it('rejects a value that is not a string, naming the field it was given', () => {
      expect(() => TopicPattern.parse(42, 'binding.topic')).toThrow(
        'Invalid binding.topic: must be a string, got 42 (rule: isString)',
      );
    });
  });

  describe('matching', () => {
    it.each([
      ['orders.created', 'orders.created', true],
      ['orders.created', 'orders.Created', false],
      ['orders.created', 'orders', false],
      ['orders.created', 'orders.created.eu', false],
      ['orders.*', 'orders.created', true],
      ['orders.*', 'orders', false],
      ['orders.*', 'orders.created.eu', false],
      ['*.created', 'refunds.created', true],
      ['*', 'orders', true],
      ['*', 'orders.created', false],
      ['orders.#', 'orders', true],
      ['orders.#', 'orders.created', true],
      ['orders.#', 'orders.eu.created', true],
      ['orders.#', 'order', false],
      ['orders.#', 'ordersx.created', false],
      ['orders.*.#', 'orders', false],
      ['orders.*.#', 'orders.eu', true],
      ['#', 'anything.at.all', true],
      ['a.*.c', 'a.b.c', true],
      ['a.*.c', 'a.b.d', false],
    ])('%s on topic %s: %s', (pattern, topic, expected) => {
      expect(matches(pattern, topic)).toBe(expected);
    });
  });

  describe('specificity', () => {
    it('ranks a literal over *, * over #, segment by segment from the left', () => {
      expect(bySpecificity('orders.#', '*.created', 'orders.*', '#', 'orders.created')).toEqual([
        'orders.created',
        'orders.*',
        'orders.#',
        '*.created',
        '#',
      ]);
    });

    it('ranks a pattern that ends over one that goes on with #', () => {
      expect(bySpecificity('orders.#', 'orders')).toEqual(['orders', 'orders.#']);
      expect(bySpecificity('orders.*.#', 'orders.*')).toEqual(['orders.*', 'orders.*.#']);
    });

    it('ranks * over # at the same place, whatever follows', () => {
      expect(bySpecificity('orders.#', 'orders.*.#')).toEqual(['orders.*.#', 'orders.#']);
    });

    it('orders patterns of equal ranks by their text, and a pattern equal to itself', () => {
      expect(bySpecificity('b.*', 'a.*')).toEqual(['a.*', 'b.*']);
      const pattern = TopicPattern.parse('orders.*');
      expect(pattern.compare(TopicPattern.parse('orders.*'))).toBe(0);
    });
  });
});
