// Compatibility test: builds and packs the package, then installs the tarball into throwaway
// consumer apps (NestJS 10 CommonJS, NestJS 11 CommonJS, NestJS 12 ES modules), each once with
// ioredis 5 and once with ioredis 6, and in each:
//   1. `npm install` without --legacy-peer-deps (ERESOLVE when a peer range excludes a version);
//   2. main.js: an @Agent that receives its own message on the real Redis;
//   3. the agent's unit test through `tta-agent-coordination/testing` (the bundled in-memory
//      Redis): jest in the CommonJS apps, node:test in the ES-module app (below);
//   4. (with ioredis 6) `tsc -p` on every tsconfig*.json of the app: `import`s of both entry points (`.` and
//      `./testing`) resolve their types under node10 (`"module": "commonjs"`), node16/nodenext
//      and bundler resolution.
// Prints one row per app and exits non-zero when any app fails.
//
//   npm run test:compat                          all apps
//   npm run test:compat -- nest12-esm            both ioredis variants of the named app
//   npm run test:compat -- nest12-esm-ioredis6   one variant
//
// REDIS_URL overrides redis://127.0.0.1:6379; COMPAT_KEEP=1 keeps the temp dir for a look.
// The installs run in parallel (npm's one cache is safe to share); the steps after them run two
// apps at a time (they are CPU-bound), each app under its own key prefix (deleted afterwards).
// jest and tsc are this repository's own (devDependencies), run on the app's files and
// node_modules, so the apps install only what a consumer installs.
//
// NestJS 12 publishes ES modules only: our CommonJS dist then require()s @nestjs/common and
// @nestjs/core as ES modules, which needs Node's require(esm) (on by default from Node 20.19
// and 22.12). On an older Node the nest12-esm app fails with ERR_REQUIRE_ESM. jest's module
// loader has its own require(), which loads ES modules only from Node 24.9 on, so a jest test of
// a NestJS 12 app fails before that ("Must use import to load ES Module"); the nest12-esm app runs
// its unit test with node:test instead.
//
// Each app (scripts/compat/apps/<name>/) loads NestJS and the package its own way and runs
// the same bodies, scripts/compat/shared/*.cjs. They are plain JavaScript that call the
// decorators as functions (`Agent({...})(Class)`, `OnAgentMessage(type)(proto, key, descriptor)`,
// `Inject(token)(Class, undefined, 0)`) instead of being compiled from TypeScript: what runs
// is then exactly what a consumer's `require` / `import` of the tarball loads, with no
// compiler, tsconfig or module-interop settings of ours in between, and no
// emitDecoratorMetadata to depend on (the constructor dependency is declared with @Inject).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';

const ROOT = resolve(__dirname, '..', '..');
const APPS_DIR = join(__dirname, 'apps');
/** The bodies every app runs (main.js, the unit test); copied beside each app's files. */
const SHARED_DIR = join(__dirname, 'shared');
/**
 * What every app type-checks against the packed package (types.ts); copied beside its files.
 * Apart from shared/: the project's own tsc and eslint leave it to the apps.
 */
const TYPED_DIR = join(__dirname, 'typed');
/** Each app runs once with each of these ioredis majors (its package.json's range is replaced). */
const IOREDIS_MAJORS = ['5', '6'];
/** How many apps run their steps after the install at once (they are CPU-bound). */
const STEP_CONCURRENCY = 2;
const JEST = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
/** jest as a CommonJS app configures it for plain JavaScript tests. */
const JEST_CONFIG = JSON.stringify({
  testEnvironment: 'node',
  transform: {},
  testMatch: ['<rootDir>/*.test.cjs'],
});
/** The name the apps' package.json files give the packed tarball (`file:../<name>`). */
const TARBALL = 'tta-agent-coordination.tgz';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const INSTALL_TIMEOUT_MS = 240_000;
const RUN_TIMEOUT_MS = 60_000;

interface Outcome {
  code: number | null;
  output: string;
  ms: number;
}

/** One app with one ioredis major, e.g. `nest11-cjs-ioredis6`. */
interface Variant {
  name: string;
  app: string;
  ioredis: string;
}

interface AppResult {
  app: string;
  nest: string;
  ioredis: string;
  installMs: number;
  runMs: number;
  testMs: number;
  typesMs: number;
  ok: boolean;
  detail: string;
}

/** Runs a command, capturing stdout and stderr together; never rejects. */
function run(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Outcome> {
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(command, args, { cwd, env, timeout: timeoutMs, killSignal: 'SIGKILL' });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => {
      output += `\n${error.message}`;
    });
    child.on('close', (code, signal) => {
      if (signal) output += `\nkilled by ${signal} (limit ${timeoutMs} ms)`;
      done({ code, output, ms: Date.now() - started });
    });
  });
}

/** The line of the output most likely to say what went wrong. */
function reason(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const line =
    lines.find((l) => /ERR_[A-Z_]+|^npm (error|ERR!)|^\w*Error\b|timed out|killed by/.test(l)) ??
    lines.at(-1) ??
    'no output';
  if (line.includes('ERR_REQUIRE_ESM')) {
    // The CommonJS dist require()s an ES-module-only Nest: needs Node's require(esm).
    return 'ERR_REQUIRE_ESM: this Node cannot require() ES modules (needs >= 20.19 or >= 22.12)';
  }
  if (line.includes('ERESOLVE')) return `${line} (a peerDependencies range excludes a version)`;
  return line.slice(0, 160);
}

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

async function installedVersion(dir: string, name: string): Promise<string> {
  try {
    const manifest = await readFile(join(dir, 'node_modules', name, 'package.json'), 'utf8');
    return (JSON.parse(manifest) as { version: string }).version;
  } catch {
    return '?';
  }
}

/** Copies the app and the shared bodies into `dir`, with the variant's ioredis range. */
async function prepare(variant: Variant, dir: string): Promise<void> {
  await cp(join(APPS_DIR, variant.app), dir, { recursive: true });
  for (const from of [SHARED_DIR, TYPED_DIR]) {
    for (const file of await readdir(from)) await cp(join(from, file), join(dir, file));
  }
  const manifestPath = join(dir, 'package.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
    type?: string;
    dependencies: Record<string, string>;
  };
  manifest.dependencies.ioredis = `^${variant.ioredis}.0.0`;
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
}

async function install(variant: Variant, dir: string, result: AppResult): Promise<boolean> {
  await prepare(variant, dir);
  // An explicit log level: under `npm run --silent` npm would also silence the install errors.
  // --prefer-offline: the apps share most packages, so one registry look-up serves them all.
  const installed = await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=warn'],
    dir,
    INSTALL_TIMEOUT_MS,
  );
  result.installMs = installed.ms;
  if (installed.code !== 0) result.detail = `npm install: ${reason(installed.output)}`;
  return installed.code === 0;
}

/** Steps 2 to 4 (see the top of this file); stops at the first that fails. */
async function runSteps(
  variant: Variant,
  dir: string,
  keyPrefix: string,
  result: AppResult,
): Promise<void> {
  result.nest = await installedVersion(dir, '@nestjs/core');
  result.ioredis = await installedVersion(dir, 'ioredis');
  const ran = await run(process.execPath, ['main.js'], dir, RUN_TIMEOUT_MS, {
    ...process.env,
    REDIS_URL,
    COMPAT_KEY_PREFIX: keyPrefix,
  });
  result.runMs = ran.ms;
  if (ran.code !== 0) {
    result.detail = `main.js: exit ${String(ran.code)}: ${reason(ran.output)}`;
    return;
  }
  const esm =
    (JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { type?: string }).type ===
    'module';
  const tested = esm
    ? await run(process.execPath, ['--test', '--test-reporter=dot'], dir, RUN_TIMEOUT_MS)
    : await run(
        process.execPath,
        [JEST, '--rootDir', dir, '--config', JEST_CONFIG, '--ci', '--runInBand'],
        dir,
        RUN_TIMEOUT_MS,
      );
  result.testMs = tested.ms;
  if (tested.code !== 0) {
    result.detail = `${esm ? 'node --test' : 'jest'}: exit ${String(tested.code)}: ${reason(tested.output)}`;
    return;
  }
  // Types once per app, with the newest ioredis: the tsconfigs skip library checks (as Nest's
  // own starter does), so the ioredis major does not change what they check.
  const tsconfigs =
    variant.ioredis === IOREDIS_MAJORS.at(-1)
      ? (await readdir(dir)).filter((f) => /^tsconfig.*\.json$/.test(f)).sort()
      : [];
  for (const tsconfig of tsconfigs) {
    const checked = await run(process.execPath, [TSC, '-p', tsconfig], dir, RUN_TIMEOUT_MS);
    result.typesMs += checked.ms;
    if (checked.code !== 0) {
      result.detail = `tsc -p ${tsconfig}: ${reason(checked.output)}`;
      return;
    }
  }
  result.ok = true;
  const typed = tsconfigs.map((f) => f.replace(/^tsconfig\.?|\.?json$/g, '') || 'default');
  const types = typed.length > 0 ? `; types resolve (${typed.join(', ')})` : '';
  result.detail = `${ran.output.trim().split('\n').at(-1) ?? ''}; unit test passed (${esm ? 'node:test' : 'jest'})${types}`;
}

/** A gate that lets at most `limit` callers run at once, in arrival order. */
function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running += 1;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  };
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1) + 's';

async function main(): Promise<number> {
  const started = Date.now();
  const available = (await readdir(APPS_DIR)).sort();
  const wanted = process.argv.slice(2);
  const variants: Variant[] = available.flatMap((app) =>
    IOREDIS_MAJORS.map((ioredis) => ({ name: `${app}-ioredis${ioredis}`, app, ioredis })),
  );
  const unknownNames = wanted.filter(
    (name) => !variants.some((v) => v.name === name || v.app === name),
  );
  if (unknownNames.length > 0) {
    console.error(
      `unknown app(s): ${unknownNames.join(', ')}; apps: ${variants.map((v) => v.name).join(', ')}`,
    );
    return 2;
  }
  const apps = variants.filter(
    (v) => wanted.length === 0 || wanted.includes(v.name) || wanted.includes(v.app),
  );

  let lastError: Error | undefined;
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  }).on('error', (error: Error) => (lastError = error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    console.error(`no Redis at ${REDIS_URL}: ${(lastError ?? (error as Error)).message}`);
    redis.disconnect();
    return 2;
  }

  const workDir = await mkdtemp(join(tmpdir(), 'tta-compat-'));
  try {
    console.log(`node ${process.version}, Redis at ${REDIS_URL}, work dir ${workDir}`);
    const build = await run('npm', ['run', 'build'], ROOT, INSTALL_TIMEOUT_MS);
    if (build.code !== 0) {
      console.error(`npm run build failed:\n${build.output}`);
      return 2;
    }
    const pack = await run(
      'npm',
      ['pack', '--silent', '--pack-destination', workDir],
      ROOT,
      INSTALL_TIMEOUT_MS,
    );
    const packed = pack.output.trim().split('\n').at(-1) ?? '';
    if (pack.code !== 0 || !packed.endsWith('.tgz')) {
      console.error(`npm pack failed:\n${pack.output}`);
      return 2;
    }
    await rename(join(workDir, packed), join(workDir, TARBALL));
    console.log(`built and packed ${packed} in ${seconds(Date.now() - started)}`);

    const runId = randomBytes(3).toString('hex');
    const prefixes = apps.map((variant) => `compat.${runId}.${variant.name}`);
    const results: AppResult[] = apps.map((variant) => ({
      app: variant.name,
      nest: '?',
      ioredis: '?',
      installMs: 0,
      runMs: 0,
      testMs: 0,
      typesMs: 0,
      ok: false,
      detail: '',
    }));
    // Every install starts at once; an app's steps start as soon as its install is done and a
    // slot is free, so the CPU-bound steps overlap the network-bound installs.
    const slot = limiter(STEP_CONCURRENCY);
    try {
      await Promise.all(
        apps.map(async (variant, i) => {
          const dir = join(workDir, variant.name);
          if (await install(variant, dir, results[i])) {
            await slot(() => runSteps(variant, dir, prefixes[i], results[i]));
          }
        }),
      );
    } finally {
      for (const prefix of prefixes) await deleteKeys(redis, prefix);
    }

    const rows = [
      ['app', 'nest', 'ioredis', 'install', 'run', 'test', 'types', 'result'],
      ...results.map((r) => [
        r.app,
        r.nest,
        r.ioredis,
        seconds(r.installMs),
        seconds(r.runMs),
        seconds(r.testMs),
        seconds(r.typesMs),
        r.ok ? 'pass' : 'FAIL',
      ]),
    ];
    const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)));
    console.log('');
    for (const row of rows) {
      console.log(
        row
          .map((cell, col) => cell.padEnd(widths[col]))
          .join('  ')
          .trimEnd(),
      );
    }
    console.log('');
    for (const r of results) console.log(`${r.app}: ${r.detail}`);
    const failed = results.filter((r) => !r.ok).length;
    console.log(
      `\n${failed === 0 ? 'all' : `${failed} of`} ${results.length} apps ${failed === 0 ? 'passed' : 'failed'} in ${seconds(Date.now() - started)}`,
    );
    return failed === 0 ? 0 : 1;
  } finally {
    redis.disconnect();
    if (process.env.COMPAT_KEEP === '1') console.log(`kept ${workDir}`);
    else await rm(workDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
