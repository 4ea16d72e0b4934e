import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REDIS_URL } from './redis';

const FIXTURE = join(__dirname, '..', 'e2e', 'fixtures', 'worker-process.ts');

/** An AgentWorker running in another Node process, and the lines it reported. */
export interface WorkerProcess {
  /** Every `start <attempt> <epoch ms>` line, parsed. */
  starts: { attempt: number; at: number }[];
  /** Stops the worker (it drains) and waits for the process to exit. */
  stop(): Promise<void>;
}

/** Starts test/e2e/fixtures/worker-process.ts and resolves once its worker runs. */
export function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', FIXTURE],
    { env: { ...process.env, REDIS_URL, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const starts: WorkerProcess['starts'] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`worker process exited (${code}):\n${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const [kind, attempt, at] = line.split(' ');
      if (kind === 'ready') resolve({ starts, stop });
      if (kind === 'start') starts.push({ attempt: Number(attempt), at: Number(at) });
    });
  });
}
