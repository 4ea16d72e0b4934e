/** A class of error a test expects, e.g. `ValidationError`. */
type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

/**
 * The error of class `kind` that `fn` throws; any other error propagates, and not throwing at
 * all fails the test.
 */
export function errorOf<E extends Error>(kind: ErrorClass<E>, fn: () => unknown): E {
  try {
    fn();
  } catch (error) {
    if (error instanceof kind) return error;
    throw error;
  }
  throw new Error(`expected a ${kind.name}`);
}

/** The error of class `kind` that `promise` rejects with, as {@link errorOf}. */
export async function rejectionOf<E extends Error>(
  kind: ErrorClass<E>,
  promise: Promise<unknown>,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof kind) return error;
    throw error;
  }
  throw new Error(`expected a ${kind.name}`);
}
