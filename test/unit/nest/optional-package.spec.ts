import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../../../lib';
import { loadOptionalPackage } from '../../../lib/nest/observability/optional-package.loader';

describe('loadOptionalPackage', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'optional-package-'));
    // A package that is installed but whose own dependency is missing.
    writeFileSync(join(dir, 'broken-dependency.js'), "require('tta-no-such-dependency-x');\n");
    // A package that fails while loading.
    writeFileSync(join(dir, 'throws.js'), "throw new Error('failed while loading');\n");
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns an installed package', () => {
    expect(loadOptionalPackage<typeof import('prom-client')>('prom-client', 'metrics', true)).toBe(
      jest.requireActual('prom-client'),
    );
  });

  it('returns null for a missing package that is not required', () => {
    expect(loadOptionalPackage('tta-no-such-package-x', 'tracing', false)).toBeNull();
  });

  it('names the package and the feature when a required package is missing', () => {
    let caught: unknown;
    try {
      loadOptionalPackage('tta-no-such-package-x', 'metrics.prometheus', true);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    expect((caught as ConfigurationError).field).toBe('metrics.prometheus');
    expect((caught as ConfigurationError).rule).toBe('peerDependency');
    expect((caught as Error).message).toContain('npm install tta-no-such-package-x');
  });

  it('rethrows when the package is there but one of its own dependencies is missing', () => {
    expect(() => loadOptionalPackage(join(dir, 'broken-dependency.js'), 'x', false)).toThrow(
      expect.objectContaining({
        code: 'MODULE_NOT_FOUND',
        message: expect.stringContaining("'tta-no-such-dependency-x'") as unknown,
      }) as Error,
    );
  });

  it('rethrows an error the package raises while loading', () => {
    expect(() => loadOptionalPackage(join(dir, 'throws.js'), 'x', false)).toThrow(
      'failed while loading',
    );
  });
});
