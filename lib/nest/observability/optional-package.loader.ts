import { ConfigurationError } from '../../errors';

/**
 * Loads an optional peer dependency. Returns `null` when it is not installed and
 * `required` is false; otherwise says which package to install for which feature.
 *
 * @throws ConfigurationError when a required package is missing
 */
export function loadOptionalPackage<T>(name: string, feature: string, required: boolean): T | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name) as T;
  } catch (error) {
    const missing =
      (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' &&
      String((error as Error).message).includes(`'${name}'`);
    if (!missing) throw error;
    if (!required) return null;
    throw new ConfigurationError(
      feature,
      'peerDependency',
      `needs the optional package "${name}"; install it with: npm install ${name}`,
    );
  }
}
