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
import { ceilingProcesses, ConsumerPool, endToEndProcesses } from './scenarios/processes.scenario';
import { enqueueBatched, enqueueOneByOne } from './scenarios/enqueue.scenario';
import { latencyCrossProcess, latencyInProcess } from './scenarios/latency.scenario';
import { memoryPerMessage } from './scenarios/memory.scenario';
import type { RunContext } from './scenarios/run-context';
import { figure, type Percentiles } from './stats';
import { svgChart } from './svg-chart';
import { SYSTEMS } from './systems';
import { loadBaseline, type Baseline } from './systems/baseline.system';
import { BENCH_PREFETCH } from './systems/coordinator.system';

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
/** ack-and-reserve-many for one message: window, visibility, promote, most to reserve; token, id. */
const ACK_AND_RESERVE_MANY: CallShape = {
  keys: ackAndReserveKeys(QUEUE),
  args: [600_000, 30_000, 100, 10, TOKEN, ID],
};
/**
 * Script calls per message: send; then ack-and-reserve (the `AgentWorker` loop), the
 * acknowledgements of one turn sharing one ack-and-reserve-many.
 */
const COMMANDS: CommandCount = {
  send: 1,
  sendBatch: 1,
  sendShape: SEND,
  consume: [ACK_AND_RESERVE],
  consumeTogether: { shape: ACK_AND_RESERVE_MANY, fixed: 4 },
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

/** The throughput target against BullMQ at `concurrency`. */
function targetVsBullmq(concurrency: number): number {
  return concurrency === 1 ? 1.5 : 2;
}

/**
 * End-to-end rows at each concurrency: the `AgentWorker`, the Nest module and both with
 * prefetch, against BullMQ, the ceiling of the same calls and (with a baseline) the same rows
 * on the baseline build. Every variant is measured in the same rounds, so that a change in
 * background load hits all of them.
 */
async function endToEndRows(
  context: RunContext,
  group: string,
  baseline: Baseline | undefined,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const concurrency of context.config.concurrencies) {
    const run = (name: string) => () => endToEndThroughput(context, SYSTEMS[name], concurrency);
    const measures: Record<string, () => Promise<number>> = {
      coordinator: run('coordinator'),
      nest: run('nest'),
      prefetch: run('coordinator-prefetch'),
      nestPrefetch: run('nest-prefetch'),
      bullmq: run('bullmq'),
      ceiling: () => ceilingEndToEnd(context, COMMANDS, concurrency),
      ceilingPrefetch: () => ceilingEndToEnd(context, COMMANDS, concurrency + BENCH_PREFETCH),
    };
    if (baseline) {
      measures.baselineLoop = () => endToEndThroughput(context, baseline.loop, concurrency);
      measures.baselineNest = () => endToEndThroughput(context, baseline.nest, concurrency);
    }
    const r: Partial<Record<string, number[]>> = await measure(
      context,
      `end to end c=${concurrency}`,
      measures,
    );
    const series = (
      coordinator: number[] | undefined,
      ceiling: number[] | undefined,
      base?: number[],
    ): Row['figures'] =>
      figures(
        { coordinator, bullmq: r.bullmq, ceiling, ...(base ? { baseline: base } : {}) },
        (v: number) => v,
      );
    const common = { group, unit: 'msg/s', higherIsBetter: true };
    const target = targetVsBullmq(concurrency);
    rows.push(
      {
        ...common,
        label: `concurrency ${concurrency}, AgentWorker`,
        chartLabel: `c=${concurrency} worker`,
        figures: series(r.coordinator, r.ceiling, r.baselineLoop),
        targetVsBullmq: target,
        targetVsBaseline: 0.95,
      },
      {
        ...common,
        label: `c=${concurrency}, Nest module`,
        chartLabel: `c=${concurrency} Nest`,
        figures: series(r.nest, r.ceiling, r.baselineNest),
        note: "(the module's consumers are `AgentWorker`s)",
        targetVsBullmq: target,
        targetVsBaseline: 0.95,
      },
      {
        ...common,
        label: `c=${concurrency}, AgentWorker, prefetch ${BENCH_PREFETCH}`,
        chartLabel: `c=${concurrency} worker prefetch`,
        figures: series(r.prefetch, r.ceilingPrefetch),
        note: '(extra: the `prefetch` option)',
      },
      {
        ...common,
        label: `c=${concurrency}, Nest module, prefetch ${BENCH_PREFETCH}`,
        chartLabel: `c=${concurrency} Nest prefetch`,
        figures: series(r.nestPrefetch, r.ceilingPrefetch),
        note: '(extra: the `prefetch` option)',
      },
    );
  }
  return rows;
}

/** The many-processes row: N processes of one consumer each, ours against BullMQ's. */
async function processesRow(context: RunContext, group: string): Promise<Row> {
  const { processes, processesCount } = context.config;
  log(`starting ${processes} consumer processes`);
  const pool = await ConsumerPool.start(processes);
  try {
    const r = await measure(context, `${processes} processes`, {
      coordinator: () => endToEndProcesses(context, 'coordinator', pool, processesCount),
      bullmq: () => endToEndProcesses(context, 'bullmq', pool, processesCount),
      ceiling: () => ceilingProcesses(context, COMMANDS, pool, processesCount),
    });
    return {
      group,
      label: `${processes} processes × concurrency 1`,
      chartLabel: `${processes} processes`,
      unit: 'msg/s',
      higherIsBetter: true,
      figures: figures(r, (v) => v),
      note: `(each process one \`AgentWorker\` / one BullMQ Worker, own connections)`,
      targetVsBullmq: 1,
    };
  } finally {
    await pool.close();
  }
}

async function main(): Promise<void> {
  const config = benchConfig();
  const admin = connect(config.redisUrl);
  const context: RunContext = { config, admin };
  const { coordinator, bullmq } = SYSTEMS;
  const started = Date.now();
  const loadAtStart = loadavg()[0];
  const rows: Row[] = [];
  let latencyRuns = '';
  const baseline = config.baselineDir ? loadBaseline(config.baselineDir) : undefined;
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
    rows.push(...(await endToEndRows(context, e2eGroup, baseline)));
    if (config.processes > 0) rows.push(await processesRow(context, e2eGroup));

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
      if (where === 'other process') {
        latencyRuns = results.coordinator
          .map((ours, run) => `${ours.p99.toFixed(2)} vs ${results.bullmq[run].p99.toFixed(2)}`)
          .join(' · ');
      }
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
        `${COMMANDS.consume.length} per consumed message with the library's \`AgentWorker\`, which acknowledges with \`ackAndReceive\` (ack + reserve of the next message in one script), the acknowledgements of handlers that finish in the same turn sharing one \`ackAndReceiveMany\`; plus a BLPOP wake-up and a reserve when a consumer finds the queue empty. ` +
        'The ceiling makes the same EVALSHA calls — same number per message, same key names, same argument sizes, the calls of one turn shared as ours are — to a script that only returns 1, with the same concurrency shape (producer window, N consumers): it prices the round trips and the bytes, not the work. ' +
        `The prefetch rows' ceiling is that of ${BENCH_PREFETCH} more consumers, whose calls of one turn are shared: the calls a worker makes when it handles its buffer in one turn.`,
      'End-to-end: one producer keeps ' +
        `${config.producerWindow} sends in flight while the consumers run; the clock stops at the last handler call. ` +
        `Coordinator consumers: one \`AgentWorker\` with concurrency N and its defaults (receive(waitMs 1000) → handler → ackAndReceive chains); "prefetch" rows: the same with \`prefetch: ${BENCH_PREFETCH}\` (handlers still get one message per call, one at a time per slot); BullMQ: one Worker with concurrency N, removeOnComplete; ` +
        `Nest: AgentCoordinationModule with one @Agent (consumer concurrency N) and a no-op @OnAgentMessage handler. ` +
        (config.processes > 0
          ? `Many processes: ${config.processes} forked processes, each one consumer of concurrency 1 on its own connections (an \`AgentWorker\`, or a BullMQ Worker), the producer in the bench process; the ceiling runs its consumer calls in the same processes. `
          : '') +
        (baseline
          ? `Baseline: commit ${baseline.commit}, from its compiled dist/ (BENCH_BASELINE): its coordinator consumed by its bench's own loop (N loops of receive → handler → ackAndReceive) and its Nest module, measured in the same rounds as the current code.`
          : ''),
      'Latency: the send time is stamped in the payload from the monotonic clock (shared across processes); the handler subtracts it. ' +
        `The first ${config.latencyWarmup} messages of each run are dropped. ` +
        `Other-process p99 per run, coordinator vs BullMQ (ms): ${latencyRuns}.`,
      "Memory: INFO used_memory before/after queuing, with no consumer; other clients of the same Redis add noise to it, the MEMORY USAGE sum over the run's keys does not.",
      `1-minute load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0].toFixed(1)} at the end (${machine.cores} cores; a load above the core count means other processes were competing for the CPU). ` +
        `Whole run: ${seconds} s. Every run used a fresh key prefix and deleted its keys afterwards.`,
    ];
    const markdown = markdownReport(rows, machine, {
      quick: config.quick,
      runs: config.runs,
      notes,
      baseline: baseline?.commit,
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
