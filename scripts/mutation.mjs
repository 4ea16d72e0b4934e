// Mutation testing of lib/ (`npm run mutation`), in two configurations:
// - unit  (stryker.config.json): the pure files, against the unit suite;
// - redis (stryker.redis.config.json): the Redis-backed and Nest files, against the suites that
//   run on the real server at 127.0.0.1:6379, one lib/ folder at a time so that each folder's
//   report stands on its own and a long run can be split across machines.
//
//   node scripts/mutation.mjs                  both configurations, every folder
//   node scripts/mutation.mjs unit             the pure files only
//   node scripts/mutation.mjs redis [FOLDER…]  the given lib/ folders (all when none)
//
// Reports: reports/mutation/ (unit) and reports/mutation/redis/FOLDER/ (html and json).
import { readFileSync } from 'node:fs';
import { Stryker } from '@stryker-mutator/core';

const REDIS_CONFIG = 'stryker.redis.config.json';

/** The lib/ folders of the redis configuration's files, in order. */
function redisFolders(files) {
  return [...new Set(files.map((file) => file.split('/')[1]))].sort();
}

async function runUnit() {
  await new Stryker({ configFile: 'stryker.config.json' }).runMutationTest();
}

async function runRedis(wanted) {
  const files = JSON.parse(readFileSync(REDIS_CONFIG, 'utf8')).mutate;
  const known = redisFolders(files);
  const unknown = wanted.filter((folder) => !known.includes(folder));
  if (unknown.length > 0) {
    throw new Error(
      `no lib/ folder of ${REDIS_CONFIG} is called ${unknown.join(', ')}: ${known.join(', ')}`,
    );
  }
  for (const folder of wanted.length > 0 ? wanted : known) {
    const report = `reports/mutation/redis/${folder}`;
    await new Stryker({
      configFile: REDIS_CONFIG,
      mutate: files.filter((file) => file.startsWith(`lib/${folder}/`)),
      htmlReporter: { fileName: `${report}/index.html` },
      jsonReporter: { fileName: `${report}/mutation.json` },
    }).runMutationTest();
  }
}

const [which, ...folders] = process.argv.slice(2);
if (which === undefined || which === 'unit') await runUnit();
if (which === undefined || which === 'redis') await runRedis(folders);
if (which !== undefined && which !== 'unit' && which !== 'redis') {
  console.error(`usage: node scripts/mutation.mjs [unit | redis [FOLDER…]]`);
  process.exit(2);
}
