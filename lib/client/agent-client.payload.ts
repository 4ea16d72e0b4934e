import { assertShape } from '../common/validate';
import { MAX_PAYLOAD_DEPTH_LIMIT } from '../messaging/coordinator.options';
import type { JsonObject } from '../messaging/models/agent-message';

/**
 * What {@link AgentClient} sends as a message payload: a plain object or a class instance
 * such as a DTO, `new CreateInvoiceDto(...)`, whose type needs no index signature. Arrays,
 * other iterables (`Map`, `Set`) and functions are refused by the compiler; the rest is
 * checked when it is sent: JSON must carry the payload exactly, so the agent receives what was
 * sent. It is serialised by its own enumerable properties, each value through its `toJSON()`
 * when it has one (a `Date` becomes its ISO-8601 string); a property whose value is
 * `undefined` is left out, as if absent, and `-0` is sent as `0`. Refused, naming the path:
 * anything but an object at the top; `undefined` in an array and array holes; functions,
 * symbols, bigints, `NaN` and infinities; an invalid `Date`; objects other than plain objects,
 * class instances and arrays (`Map`, `Set`, `RegExp`, typed arrays, errors…) unless they have
 * `toJSON()`; named properties of arrays and enumerable symbol-keyed properties; an own
 * `__proto__` key; a value that cannot be read (a throwing getter or `toJSON()`); nesting
 * deeper than 1 000 levels (and so cycles). The coordinator then applies its own
 * `maxPayloadDepth` and `maxPayloadBytes`.
 *
 * @beta
 */
export type AgentClientPayload =
  | JsonObject
  | (object & {
      /** Absent: iterables (arrays, `Map`, `Set`) are not payloads. */
      readonly [Symbol.iterator]?: never;
      /** Absent: functions and classes are not payloads. */
      readonly [Symbol.hasInstance]?: never;
    });

/**
 * Checks that JSON carries `payload` exactly, by the rules of {@link AgentClientPayload}, and
 * returns it as the JSON object it is sent as.
 *
 * @throws ValidationError naming the offending path, e.g. `payload.lines[2].amount`
 */
export function assertAgentClientPayload(payload: unknown, field = 'payload'): JsonObject {
  assertShape(payload, field, {
    maxDepth: MAX_PAYLOAD_DEPTH_LIMIT,
    depthRule: 'maxPayloadDepth',
    noPrototypeKeys: true,
    exactJsonObject: true,
  });
  return payload as JsonObject;
}
