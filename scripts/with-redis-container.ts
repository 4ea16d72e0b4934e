// Runs the integration suite against a Redis 7 started by testcontainers (needs a Docker
// engine: GitHub Actions has one; machines without one use the local Redis instead).
import { spawnSync } from 'node:child_process';
import { GenericContainer, Wait } from 'testcontainers';

async function main(): Promise<number> {
  const container = await new GenericContainer('redis:7')
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
    .start();
  try {
    const url = `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
    console.log(`redis container at ${url}`);
    const run = spawnSync(
      'npx',
      ['jest', '--runInBand', '--selectProjects', 'redis', 'test/integration'],
      {
        stdio: 'inherit',
        env: { ...process.env, REDIS_URL: url },
      },
    );
    return run.status ?? 1;
  } finally {
    await container.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
