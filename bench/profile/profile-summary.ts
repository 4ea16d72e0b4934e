/**
 * Summaries of V8 CPU profiles (`.cpuprofile`, as `node --cpu-prof` or the inspector writes
 * them): self time by function and by where the code lives. `ts-node bench/profile/profile-summary.ts
 * <file.cpuprofile> [messages]` prints one.
 */
import { readFileSync } from 'node:fs';

/** The parts of a V8 CPU profile the summary reads. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a function lives, coarsely: the package, a dependency, Node or V8. */
function area(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : 'V8 / native';
  if (url.includes('/node_modules/')) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(
      url.slice(url.lastIndexOf('/node_modules/')),
    );
    return match ? match[1] : 'node_modules';
  }
  if (url.startsWith('node:')) return 'node core';
  const lib = /\/(lib|bench)\/(.*)$/.exec(url);
  return lib ? `${lib[1]}/${lib[2].split('/')[0]}` : url;
}

function shortUrl(url: string): string {
  if (url.startsWith('node:')) return url;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  const lib = /\/((?:lib|bench)\/.*)$/.exec(url);
  return lib ? lib[1] : url.replace(/^file:\/\//, '');
}

function table(
  rows: [string, number][],
  total: number,
  top: number,
  perMessageNs?: number,
): string[] {
  const lines = [
    '| self time | share | ' + (perMessageNs ? 'µs/msg | ' : '') + 'function |',
    '|---:|---:|' + (perMessageNs ? '---:|' : '') + '---|',
  ];
  for (const [label, us] of rows.slice(0, top)) {
    const share = ((100 * us) / total).toFixed(1);
    const perMsg = perMessageNs ? ` ${(us / perMessageNs).toFixed(2)} |` : '';
    lines.push(`| ${(us / 1000).toFixed(1)} ms | ${share} % |${perMsg} ${label} |`);
  }
  return lines;
}

/** Markdown: the top functions by self time and the totals per area. */
export function summariseProfile(
  profile: CpuProfile,
  options: { top?: number; messages?: number } = {},
): string {
  const top = options.top ?? 30;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  // Samples taken inside the inspector (stopping the profiler) are not the workload's.
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const inInspector = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      if (byId.get(at)?.callFrame.url === 'node:inspector') return true;
    }
    return false;
  };
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node || inInspector(id)) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    const label = url ? `${name} ${shortUrl(url)}:${lineNumber + 1}` : name;
    byFunction.set(label, (byFunction.get(label) ?? 0) + delta);
    const where = area(url, name);
    byArea.set(where, (byArea.get(where) ?? 0) + delta);
    total += delta;
  });
  const sorted = (map: Map<string, number>): [string, number][] =>
    [...map].sort((a, b) => b[1] - a[1]);
  const busy = total - (byArea.get('(idle)') ?? 0);
  const lines = [
    `Sampled ${(total / 1000).toFixed(0)} ms, of which ${(busy / 1000).toFixed(0)} ms busy (not idle)` +
      (options.messages
        ? `: ${(busy / options.messages).toFixed(1)} µs of this process's CPU per message.`
        : '.'),
    '',
    '### Self time by area',
    '',
    ...table(sorted(byArea), total, 20, options.messages),
    '',
    `### Top ${top} functions by self time`,
    '',
    ...table(sorted(byFunction), total, top, options.messages),
    '',
  ];
  return lines.join('\n');
}

if (require.main === module) {
  const [file, messages] = process.argv.slice(2);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  process.stdout.write(
    summariseProfile(profile, { messages: messages ? Number(messages) : undefined }),
  );
}
