/**
 * `npm run bench`: the coordinator side by side with BullMQ and the raw Redis ceiling.
 * Prints a Markdown table and writes it, with an SVG chart, to bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { benchConfig } from './bench.config';
import { connect, describeMachine } from './redis-env';
import { markdownReport } from './report';
import type { Row, Series } from './rows';
import {
  ceilingBatched,
  ceilingEndToEnd,
  ceilingOneByOne,
  type CallShape,
  type CommandCount,
} from './scenarios/ceiling.scenario';
import { KeyLayout } from '../lib/common/key-layout';
import { ackAndReserveKeys, sendKeys } from '../lib/messaging/queue-scripts';
import { endToEndThroughput } from './scenarios/end-to-end.scenario';
import { enqueueBatched, enqueueOneByOne } from './scenarios/enqueue.scenario';
import { latencyCrossProcess, latencyInProcess } from './scenarios/latency.scenario';
import { memoryPerMessage } from './scenarios/memory.scenario';
import type { RunContext } from './scenarios/run-context';
import { figure, type Percentiles } from './stats';
import { svgChart } from './svg-chart';
import { SYSTEMS } from './systems';

/**
 * The coordinator's script calls as the bench makes them, with the same key names and argument
 * sizes (a 16-character id, the stored body of `{"i":12345}`): the ceiling sends calls of this
 * shape to a script that does nothing.
 */
const QUEUE = new KeyLayout(`bench-${Date.now().toString(36)}-000000`).queue({
  type: 'bench-consumer',
});
const ID = 'x'.repeat(16);
const TOKEN = `123456:0:${ID}`;
const SEND: CallShape = {
  keys: sendKeys(QUEUE),
  args: [1_000_000, ID, 5, '[1,"bench-producer","event",{"i":12345}]'],
};
const ACK_AND_RESERVE: CallShape = {
  keys: ackAndReserveKeys(QUEUE),
  args: [TOKEN, ID, 600_000, 30_000, 100],
};
/** Script calls per message: send; then ack-and-reserve (the `AgentWorker` loop). */
const COMMANDS: CommandCount = {
  send: 1,
  sendBatch: 1,
  sendShape: SEND,
  consume: [ACK_AND_RESERVE],
};
function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Runs every measure `runs` times, the measures in turn within each run. */
async function measure<K extends string, T>(
  context: RunContext,
  name: string,
  measures: Record<K, () => Promise<T>>,
): Promise<Record<K, T[]>> {
  const results = {} as Record<K, T[]>;
  for (let run = 0; run < context.config.runs; run++) {
    for (const [key, action] of Object.entries(measures) as [K, () => Promise<T>][]) {
      const value = await action();
      (results[key] ??= []).push(value);
      log(`${name} · ${key} · run ${run + 1}: ${JSON.stringify(value)}`);
    }
  }
  return results;
}

function figures<T>(
  results: Partial<Record<Series, T[]>>,
  pick: (value: T) => number,
): Row['figures'] {
  const out: Row['figures'] = {};
  for (const [series, values] of Object.entries(results) as [Series, T[]][]) {
    out[series] = figure(values.map(pick));
  }
  return out;
}

async function main(): Promise<void> {
  const config = benchConfig();
  const admin = connect(config.redisUrl);
  const context: RunContext = { config, admin };
  const { coordinator, bullmq } = SYSTEMS;
  const started = Date.now();
  const loadAtStart = loadavg()[0];
  const rows: Row[] = [];
  try {
    const machine = await describeMachine(admin);
    log(`warming up (${JSON.stringify(machine)})`);
    await endToEndThroughput(context, coordinator, 10, 1_000);
    await endToEndThroughput(context, bullmq, 10, 1_000);

    const oneByOne = await measure(context, 'enqueue one by one', {
      coordinator: () => enqueueOneByOne(context, coordinator),
      bullmq: () => enqueueOneByOne(context, bullmq),
      ceiling: () => ceilingOneByOne(context, COMMANDS),
    });
    rows.push({
      group: 'Enqueue',
      label: 'one at a time, awaited',
      unit: 'msg/s',
      higherIsBetter: true,
      figures: figures(oneByOne, (v) => v),
      targetVsCeiling: 0.5,
    });
    const batched = await measure(context, 'enqueue batched', {
      coordinator: () => enqueueBatched(context, coordinator),
      bullmq: () => enqueueBatched(context, bullmq),
      ceiling: () => ceilingBatched(context, COMMANDS),
    });
    rows.push({
      group: 'Enqueue',
      label: `batches of ${config.batchSize}`,
      unit: 'msg/s',
      higherIsBetter: true,
      figures: figures(batched, (v) => v),
      targetVsCeiling: 0.5,
    });

    const e2eGroup = 'End-to-end throughput (send → no-op handler → ack)';
    for (const concurrency of config.concurrencies) {
      // Every variant is measured in the same rounds, so a change in background load hits all.
      const r = await measure(context, `end to end c=${concurrency}`, {
        coordinator: () => endToEndThroughput(context, coordinator, concurrency),
        nest: () => endToEndThroughput(context, SYSTEMS.nest, concurrency),
        bullmq: () => endToEndThroughput(context, bullmq, concurrency),
        ceiling: () => ceilingEndToEnd(context, COMMANDS, concurrency),
      });
      const base = { group: e2eGroup, unit: 'msg/s', higherIsBetter: true };
      rows.push(
        {
          ...base,
          label: `concurrency ${concurrency}`,
          figures: figures(
            { coordinator: r.coordinator, bullmq: r.bullmq, ceiling: r.ceiling },
            (v) => v,
          ),
          targetVsBullmq: concurrency === 1 ? 1.5 : 1,
          targetVsCeiling: 0.5,
        },
        {
          ...base,
          label: `c=${concurrency}, Nest module loop`,
          figures: figures({ coordinator: r.nest, bullmq: r.bullmq }, (v) => v),
          note: '(extra: the Nest module, whose consumers are `AgentWorker`s too)',
        },
      );
    }

    for (const [where, run] of [
      ['same process', latencyInProcess],
      ['other process', latencyCrossProcess],
    ] as const) {
      const results = await measure<'coordinator' | 'bullmq', Percentiles>(
        context,
        `latency ${where}`,
        {
          coordinator: () => run(context, coordinator),
          bullmq: () => run(context, bullmq),
        },
      );
      for (const p of ['p50', 'p95', 'p99'] as const) {
        rows.push({
          group: `Latency send → handler at ${config.latencyRate} msg/s, ${config.latencyConcurrency} consumers`,
          label: `${where} ${p}`,
          unit: 'ms',
          higherIsBetter: false,
          figures: figures(results, (v) => v[p]),
          targetVsBullmq: p === 'p95' ? undefined : 1,
        });
      }
    }

    const memory = await measure(context, 'memory', {
      coordinator: () => memoryPerMessage(context, coordinator),
      bullmq: () => memoryPerMessage(context, bullmq),
    });
    rows.push(
      {
        group: `Redis memory per queued message (${config.memoryCount} queued, payload {"i":n})`,
        label: 'INFO used_memory delta',
        unit: 'B/msg',
        higherIsBetter: false,
        figures: figures(memory, (v) => v.info),
        note: '(other clients of the shared Redis move this; the target is judged on the row below)',
      },
      {
        group: `Redis memory per queued message (${config.memoryCount} queued, payload {"i":n})`,
        label: 'MEMORY USAGE of the keys',
        unit: 'B/msg',
        higherIsBetter: false,
        figures: figures(memory, (v) => v.keys),
        targetVsBullmq: 0.8,
      },
    );

    const seconds = Math.round((Date.now() - started) / 1000);
    const notes = [
      `Coordinator round trips per message: ${COMMANDS.send} script per send, shared by the sends made in the same turn of the event loop (so the producer window's sends that resume together go in one call; plus one SADD per recipient per process); ` +
        `${COMMANDS.sendBatch} script call per batch of ${config.batchSize} with \`sendMessages\` (one call per recipient, all in one pipeline); ` +
        `${COMMANDS.consume.length} per consumed message with the library's \`AgentWorker\`, which acknowledges with \`ackAndReceive\` (ack + reserve of the next message in one script); plus a BLPOP wake-up and a reserve when a consumer finds the queue empty. ` +
        'The ceiling makes the same EVALSHA calls — same number per message, same key names, same argument sizes — to a script that only returns 1, with the same concurrency shape (producer window, N consumers): it prices the round trips and the bytes, not the work.',
      'End-to-end: one producer keeps ' +
        `${config.producerWindow} sends in flight while the consumers run; the clock stops at the last handler call. ` +
        `Coordinator consumers: one \`AgentWorker\` with concurrency N (receive(waitMs 1000) → handler → ackAndReceive chains); BullMQ: one Worker with concurrency N, removeOnComplete; ` +
        `Nest: AgentCoordinationModule with one @Agent (consumer concurrency N) and a no-op @OnAgentMessage handler.`,
      'Latency: the send time is stamped in the payload from the monotonic clock (shared across processes); the handler subtracts it. ' +
        `The first ${config.latencyWarmup} messages of each run are dropped.`,
      "Memory: INFO used_memory before/after queuing, with no consumer; other clients of the same Redis add noise to it, the MEMORY USAGE sum over the run's keys does not.",
      `1-minute load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0].toFixed(1)} at the end (${machine.cores} cores; a load above the core count means other processes were competing for the CPU). ` +
        `Whole run: ${seconds} s. Every run used a fresh key prefix and deleted its keys afterwards.`,
    ];
    const markdown = markdownReport(rows, machine, {
      quick: config.quick,
      runs: config.runs,
      notes,
    });
    const dir = join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'latest.md'), markdown);
    writeFileSync(
      join(dir, 'latest.svg'),
      svgChart(
        rows,
        `${machine.cores} cores ${machine.cpu} · Node ${machine.node} · Redis ${machine.redis} · ${machine.date}`,
      ),
    );
    process.stdout.write(markdown);
  } finally {
    await admin.quit();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
