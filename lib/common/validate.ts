import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError as ClassValidationError } from 'class-validator';
import { ConfigurationError, PayloadTooLargeError, ValidationError } from '../errors';
import { stripUndefined } from './objects';

/**
 * The first failure under `error`, depth first. class-validator strips errors that have neither
 * constraints nor children, so an error without constraints always has a failing child.
 */
function firstFailure(
  error: ClassValidationError,
  path: string,
): { field: string; rule: string; detail: string } {
  const field = `${path}.${error.property}`;
  const constraints = Object.entries(error.constraints ?? {});
  if (constraints.length > 0) {
    const [rule, detail] = constraints[0];
    return { field, rule, detail };
  }
  return firstFailure((error.children as ClassValidationError[])[0], field);
}

/**
 * Validates `input` against a class-validator DTO and returns the typed instance.
 * Unknown properties are refused so that typos surface instead of being ignored, and so is
 * nesting deeper than `MAX_INPUT_DEPTH` (64) levels.
 *
 * @throws ValidationError naming the first offending field and rule
 */
export function validateDto<T extends object>(
  dto: ClassConstructor<T>,
  input: unknown,
  label: string,
): T {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError(label, 'isObject', 'must be an object');
  }
  // class-transformer and class-validator recurse: bound the nesting before they see it.
  assertShape(input, label, {
    maxDepth: MAX_INPUT_DEPTH,
    depthRule: 'maxDepth',
    noPrototypeKeys: false,
  });
  const instance = plainToInstance(dto, input);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  if (errors.length > 0) {
    const failure = firstFailure(errors[0], label);
    const detail = failure.detail.replace(/^[^ ]+ /, '');
    throw new ValidationError(failure.field, failure.rule, detail);
  }
  return instance;
}

/**
 * Limits applied to message payloads.
 *
 * @public
 */
export interface PayloadLimits {
  /** Largest serialised payload in bytes. */
  maxPayloadBytes: number;
  /** Deepest nesting of objects and arrays. */
  maxPayloadDepth: number;
}

/** Deepest nesting of objects and arrays accepted in any validated input (ids, messages, capabilities). */
export const MAX_INPUT_DEPTH = 64;

const FORBIDDEN_KEY = '__proto__';

/** What {@link assertShape} checks. */
export interface ShapeRules {
  /** Deepest nesting of objects and arrays; the value itself is level 1. */
  maxDepth: number;
  /** Rule named by the error for nesting too deep. */
  depthRule: string;
  /** Refuse an own `__proto__` key at any depth. */
  noPrototypeKeys: boolean;
  /**
   * The value must be a JSON object that `JSON.stringify` carries exactly: each value is read
   * through its `toJSON()` as `JSON.stringify` reads it, and anything `JSON.stringify` would
   * change or leave out is refused (see `exactJsonView` below). Default off.
   */
  exactJsonObject?: boolean;
}

interface ShapeNode {
  value: unknown;
  path: string;
  depth: number;
  /** The property name of an object's value. */
  key?: string;
  /** The index of an array's element. */
  index?: number;
}

/** The children of an object or array, in order; throws whatever reading them throws. */
function childrenOf(node: ShapeNode, value: object): ShapeNode[] {
  const depth = node.depth + 1;
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    return Array.from({ length: items.length }, (_, i) => ({
      value: items[i],
      path: `${node.path}[${i}]`,
      depth,
      index: i,
    }));
  }
  return Object.keys(value).map((key) => ({
    value: (value as Record<string, unknown>)[key],
    path: `${node.path}.${key}`,
    depth,
    key,
  }));
}

/**
 * Walks `value` depth first without recursion, so no nesting a caller builds can overflow
 * the stack, and checks it against `rules`. An object reached again is walked again only
 * when reached deeper than before, so shared references cannot make the walk exponential
 * and a cycle ends as nesting too deep.
 *
 * @throws ValidationError naming the path of the first offence
 */
export function assertShape(value: unknown, field: string, rules: ShapeRules): void {
  const stack: ShapeNode[] = [{ value, path: field, depth: 1 }];
  const walked = new Map<object, number>();
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (rules.noPrototypeKeys && node.key === FORBIDDEN_KEY) {
      throw new ValidationError(node.path, 'noPrototypeKeys', 'the key __proto__ is not allowed');
    }
    const current = rules.exactJsonObject ? exactJsonView(node) : node.value;
    if (typeof current !== 'object' || current === null) continue;
    if (node.depth > rules.maxDepth) {
      throw new ValidationError(
        node.path,
        rules.depthRule,
        `nesting deeper than ${rules.maxDepth}`,
      );
    }
    if ((walked.get(current) ?? 0) >= node.depth) continue;
    walked.set(current, node.depth);
    let children: ShapeNode[];
    try {
      children = childrenOf(node, current);
    } catch {
      throw new ValidationError(node.path, 'isReadable', 'could not be read');
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
}

/** Stands for an invalid `Date`, which `toJSON()` would turn into `null`. */
const INVALID_DATE = Symbol('invalid Date');

/** The first key of `array` that is not an index, if any. */
function namedKeyOf(array: unknown[]): string | undefined {
  const keys = Object.keys(array);
  // With no more keys than elements, any named key comes with a hole, refused as `undefined`.
  return keys.length > array.length ? keys.find((key) => !/^(0|[1-9]\d*)$/.test(key)) : undefined;
}

/** Refuses `node` as JSON cannot carry it: `detail` says what it holds. */
function notJson(node: ShapeNode, detail: string): never {
  throw new ValidationError(node.path, 'isJson', `${detail}, which JSON cannot carry exactly`);
}

/** `read()`, any throw (a getter, `toJSON()`, a revoked proxy) refused as unreadable. */
function readAt<T>(node: ShapeNode, read: () => T): T {
  try {
    return read();
  } catch {
    throw new ValidationError(node.path, 'isReadable', 'could not be read');
  }
}

/** `value` through its `toJSON()` when it has one, called as `JSON.stringify` calls it. */
function throughToJson(node: ShapeNode, value: unknown): unknown {
  if ((typeof value !== 'object' || value === null) && typeof value !== 'bigint') return value;
  const toJson = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJson !== 'function') return value;
  const key = node.key ?? (node.index === undefined ? '' : String(node.index));
  return (toJson as (key: string) => unknown).call(value, key);
}

/**
 * `node`'s value as `JSON.stringify` sees it (through its `toJSON()`), refused when JSON cannot
 * carry it exactly: `undefined` in an array (an object property that is `undefined` is left
 * out, as if absent), functions, symbols, bigints, `NaN` and infinities, an invalid `Date`,
 * objects other than plain objects, class instances and arrays (`Map`, `Set`, `RegExp`, typed
 * arrays, errors, boxed primitives…: what `Object.prototype.toString` does not call `Object`
 * or `Array`) unless they have `toJSON()`, array holes and named properties of arrays, and
 * enumerable symbol-keyed properties. The value itself must be a non-array object. `-0` is
 * written as `0`: JSON numbers have no signed zero.
 */
function exactJsonView(node: ShapeNode): unknown {
  const value = readAt(node, () => {
    const original = node.value;
    if (original instanceof Date && Number.isNaN(original.getTime())) return INVALID_DATE;
    return throughToJson(node, original);
  });
  if (value === INVALID_DATE) notJson(node, 'an invalid Date');
  if (node.depth === 1 && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new ValidationError(node.path, 'isObject', 'must be a JSON object');
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : notJson(node, String(value));
    case 'undefined':
      // An object property that is `undefined` is left out, as if absent.
      return node.key === undefined ? notJson(node, 'undefined (or an array hole)') : value;
    case 'object':
      return value === null ? value : exactJsonObject(node, value);
    default:
      return notJson(node, describeValue(value));
  }
}

/** `value` when JSON carries all of it: see {@link exactJsonView}. */
function exactJsonObject(node: ShapeNode, value: object): object {
  const { tag, named, symbol } = readAt(node, () => ({
    tag: Object.prototype.toString.call(value),
    named: Array.isArray(value) ? namedKeyOf(value) : undefined,
    symbol: Object.getOwnPropertySymbols(value).find((key) =>
      Object.prototype.propertyIsEnumerable.call(value, key),
    ),
  }));
  if (tag !== '[object Object]' && tag !== '[object Array]') {
    notJson(node, `${tag.slice(8, -1)} object without toJSON()`);
  }
  if (named !== undefined) {
    notJson({ ...node, path: `${node.path}.${named}` }, 'a named property of an array');
  }
  if (symbol !== undefined) {
    notJson({ ...node, path: `${node.path}[${String(symbol)}]` }, 'a symbol-keyed property');
  }
  return value;
}

/**
 * Checks that a payload is a plain JSON object within the limits and returns its JSON text.
 *
 * @throws ValidationError or PayloadTooLargeError naming the field
 */
export function serialisePayload(payload: unknown, field: string, limits: PayloadLimits): string {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ValidationError(field, 'isObject', 'must be a JSON object');
  }
  assertShape(payload, field, {
    maxDepth: limits.maxPayloadDepth,
    depthRule: 'maxPayloadDepth',
    noPrototypeKeys: true,
  });
  let json: string;
  try {
    json = JSON.stringify(payload);
  } catch (error) {
    throw new ValidationError(field, 'isJson', `cannot be serialised: ${(error as Error).message}`);
  }
  const size = Buffer.byteLength(json, 'utf8');
  if (size > limits.maxPayloadBytes)
    throw new PayloadTooLargeError(field, size, limits.maxPayloadBytes);
  return json;
}

/**
 * Checks an integer option.
 *
 * @throws ConfigurationError naming the option
 */
export function assertInteger(
  value: unknown,
  field: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ConfigurationError(field, 'isInt', `must be an integer, got ${describeValue(value)}`);
  }
  if (value < min || value > max) {
    throw new ConfigurationError(field, 'range', `must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

/**
 * Checks a finite number option.
 *
 * @throws ConfigurationError naming the option
 */
export function assertNumber(
  value: unknown,
  field: string,
  min: number,
  max = Number.MAX_VALUE,
): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ConfigurationError(
      field,
      'isNumber',
      `must be a finite number, got ${describeValue(value)}`,
    );
  }
  if (value < min || value > max) {
    throw new ConfigurationError(field, 'range', `must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

/** Key prefixes: 1–64 characters of `[A-Za-z0-9_.:-]`, so no prefix can reach into another's keys. */
export const KEY_PREFIX_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * Checks a key prefix.
 *
 * @throws ConfigurationError for a prefix outside {@link KEY_PREFIX_PATTERN}
 */
export function assertKeyPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string' || !KEY_PREFIX_PATTERN.test(prefix)) {
    throw new ConfigurationError(
      'keyPrefix',
      'matches',
      `must match ${String(KEY_PREFIX_PATTERN)}`,
    );
  }
  return prefix;
}

/**
 * A short description of any value for an error message. Never converts an object or symbol
 * to a string, so it cannot throw: not on `Object.create(null)`, a throwing `toString`, a
 * getter or a revoked proxy.
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'bigint':
      return `${value.toString()}n`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      return value === null ? 'null' : isArraySafely(value as object) ? 'an array' : 'an object';
  }
}

function isArraySafely(value: object): boolean {
  try {
    return Array.isArray(value);
  } catch {
    // A revoked proxy throws even here.
    return false;
  }
}

/**
 * Checks that an options argument is an object and copies it without its `undefined`
 * properties; `undefined` itself stands for no options.
 *
 * @throws ConfigurationError naming `field` for `null`, an array or a primitive
 */
export function optionsObject<T extends object>(value: T | undefined, field: string): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || isArraySafely(value)) {
    throw new ConfigurationError(
      field,
      'isObject',
      `must be an object, got ${describeValue(value)}`,
    );
  }
  return stripUndefined(value);
}
