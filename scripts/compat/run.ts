// Compatibility test: builds and packs the package, then installs the tarball into throwaway
// consumer apps (NestJS 10 CommonJS, NestJS 11 CommonJS, NestJS 12 ES modules) and runs each
// against a real Redis. Prints one row per app and exits non-zero when any app fails.
//
//   npm run test:compat                    all apps
//   npm run test:compat -- nest12-esm      only the named apps
//
// REDIS_URL overrides redis://127.0.0.1:6379; COMPAT_KEEP=1 keeps the temp dir for a look.
// The apps install and run in parallel, each under its own key prefix (deleted afterwards).
// npm install fails with ERESOLVE when our peer ranges exclude the app's Nest major.
//
// NestJS 12 publishes ES modules only: our CommonJS dist then require()s @nestjs/common and
// @nestjs/core as ES modules, which needs Node's require(esm) (on by default from Node 20.19
// and 22.12). On an older Node the nest12-esm app fails with ERR_REQUIRE_ESM.
//
// Each app (scripts/compat/apps/<name>/) loads NestJS and the package its own way and runs
// the same body, scripts/compat/shared/echo-app.cjs. They are plain JavaScript that call the
// decorators as functions (`Agent({...})(Class)`, `OnAgentMessage(type)(proto, key, descriptor)`,
// `Inject(token)(Class, undefined, 0)`) instead of being compiled from TypeScript: what runs
// is then exactly what a consumer's `require` / `import` of the tarball loads, with no
// compiler, tsconfig or module-interop settings of ours in between, and no
// emitDecoratorMetadata to depend on (the constructor dependency is declared with @Inject).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';

const ROOT = resolve(__dirname, '..', '..');
const APPS_DIR = join(__dirname, 'apps');
/** The body every app runs; copied beside each app's main.js. */
const SHARED_APP = join(__dirname, 'shared', 'echo-app.cjs');
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

interface AppResult {
  app: string;
  nest: string;
  installMs: number;
  runMs: number;
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

async function testApp(app: string, workDir: string, keyPrefix: string): Promise<AppResult> {
  const dir = join(workDir, app);
  await cp(join(APPS_DIR, app), dir, { recursive: true });
  await cp(SHARED_APP, join(dir, 'echo-app.cjs'));
  const result: AppResult = { app, nest: '?', installMs: 0, runMs: 0, ok: false, detail: '' };
  // An explicit log level: under `npm run --silent` npm would also silence the install errors.
  const install = await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=warn'],
    dir,
    INSTALL_TIMEOUT_MS,
  );
  result.installMs = install.ms;
  if (install.code !== 0) {
    result.detail = `npm install: ${reason(install.output)}`;
    return result;
  }
  const ran = await run(process.execPath, ['main.js'], dir, RUN_TIMEOUT_MS, {
    ...process.env,
    REDIS_URL,
    COMPAT_KEY_PREFIX: keyPrefix,
  });
  result.runMs = ran.ms;
  result.nest = await installedVersion(dir, '@nestjs/core');
  result.ok = ran.code === 0;
  result.detail = result.ok
    ? (ran.output.trim().split('\n').at(-1) ?? '')
    : `exit ${String(ran.code)}: ${reason(ran.output)}`;
  return result;
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1) + 's';

async function main(): Promise<number> {
  const started = Date.now();
  const available = (await readdir(APPS_DIR)).sort();
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    console.error(`unknown app(s): ${unknown.join(', ')}; apps: ${available.join(', ')}`);
    return 2;
  }
  const apps = wanted.length > 0 ? wanted : available;

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
    const prefixes = apps.map((app) => `compat.${runId}.${app}`);
    let results: AppResult[];
    try {
      results = await Promise.all(apps.map((app, i) => testApp(app, workDir, prefixes[i])));
    } finally {
      for (const prefix of prefixes) await deleteKeys(redis, prefix);
    }

    const rows = [
      ['app', 'nest', 'install', 'run', 'result'],
      ...results.map((r) => [
        r.app,
        r.nest,
        seconds(r.installMs),
        seconds(r.runMs),
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
