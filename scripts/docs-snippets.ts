/**
 * The TypeScript blocks of README.md and docs/*.md are regions of real modules under
 * docs/snippets/, which compile under `strict` against `lib/` (docs/snippets/tsconfig.json maps
 * `tta-agent-coordination` there). In the Markdown each ```ts block follows a marker
 *
 *     <!-- snippet: summariser.agent.ts#agent -->
 *
 * naming a file of docs/snippets and a region of it, marked in the file by
 * `// #region agent` … `// #endregion`; the block holds the region's lines, dedented.
 *
 * `npm run docs:snippets` rewrites every marked block from its region (edit the .ts files, not
 * the Markdown); `npm run docs:snippets -- --check` only reports, and exits 1 on any problem.
 * test/unit/docs/readme-snippets.spec.ts runs the same checks.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** Where the snippet modules live, relative to the repository root. */
export const SNIPPETS_DIR = 'docs/snippets';

/** Code blocks in these languages must be snippets; every other block is left alone. */
const COMPILED_LANGUAGES: ReadonlySet<string> = new Set(['ts', 'typescript', 'tsx', 'mts', 'cts']);

const MARKER = /^\s*<!--\s*snippet:\s*([^\s#]+)#(\S+)\s*-->\s*$/;
const REGION_START = /^\s*\/\/ #region\s+(\S+)\s*$/;
const REGION_END = /^\s*\/\/ #endregion\b/;
const FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;

/** A `// #region` of a snippet module. */
export interface Region {
  /** The module's path relative to docs/snippets, e.g. `summariser.agent.ts`. */
  file: string;
  /** The region's name. */
  name: string;
  /** 1-based line of its `// #region` marker. */
  line: number;
  /** Its lines without the region markers, dedented, each ending in a newline. */
  text: string;
}

/** A fenced code block of a Markdown document. */
export interface CodeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  /** The info string's first word, lower-cased (`ts`, `bash`, … or `''`). */
  language: string;
  /** The fence's indentation, which CommonMark strips from the block's lines. */
  indent: string;
  /**
   * The `file#region` its marker names, when the last non-blank line before the fence is a
   * marker (prettier puts one blank line between them).
   */
  ref?: string;
  /** 0-based index of the marker's line, when there is one. */
  markerLine?: number;
  /** The block's lines (indentation stripped), each ending in a newline. */
  text: string;
  /** 0-based index of the first line inside the fences. */
  firstLine: number;
  /** 0-based index of the closing fence (the line count when it is missing). */
  closingLine: number;
}

/** `file#region`, the key of a region in the map {@link readRegions} returns. */
export function refOf(region: Pick<Region, 'file' | 'name'>): string {
  return `${region.file}#${region.name}`;
}

/** Removes the indentation all non-blank lines share; blank lines become empty. */
export function dedent(lines: readonly string[]): string[] {
  const indents = lines
    .filter((line) => line.trim() !== '')
    .map((line) => /^ */.exec(line)![0].length);
  const common = indents.length === 0 ? 0 : Math.min(...indents);
  return lines.map((line) => (line.trim() === '' ? '' : line.slice(common)));
}

/**
 * The regions of one snippet module. Regions may nest; marker lines belong to none.
 *
 * @throws Error for a region left open, an `#endregion` without a region, a name used twice
 *   or an empty region, naming the file and line
 */
export function parseRegions(file: string, source: string): Region[] {
  const lines = source.split('\n');
  const open: { name: string; line: number; lines: string[] }[] = [];
  const regions: Region[] = [];
  const names = new Set<string>();
  lines.forEach((text, index) => {
    const start = REGION_START.exec(text);
    if (start) {
      const name = start[1];
      if (names.has(name))
        throw new Error(`${file}:${index + 1}: region ${name} is declared twice`);
      names.add(name);
      open.push({ name, line: index + 1, lines: [] });
    } else if (REGION_END.test(text)) {
      const region = open.pop();
      if (!region) throw new Error(`${file}:${index + 1}: #endregion without a #region`);
      if (region.lines.every((line) => line.trim() === '')) {
        throw new Error(`${file}:${region.line}: region ${region.name} is empty`);
      }
      const body = dedent(region.lines);
      regions.push({ file, name: region.name, line: region.line, text: `${body.join('\n')}\n` });
    } else {
      for (const region of open) region.lines.push(text);
    }
  });
  const unclosed = open.pop();
  if (unclosed) throw new Error(`${file}:${unclosed.line}: region ${unclosed.name} is not closed`);
  return regions.sort((a, b) => a.line - b.line);
}

/** The `.ts` modules of docs/snippets, as paths relative to it. */
export function snippetFiles(root: string): string[] {
  return readdirSync(join(root, SNIPPETS_DIR))
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .sort();
}

/** Every region of docs/snippets by `file#region`. */
export function readRegions(root: string): Map<string, Region> {
  const regions = new Map<string, Region>();
  for (const file of snippetFiles(root)) {
    const source = readFileSync(join(root, SNIPPETS_DIR, file), 'utf8');
    for (const region of parseRegions(file, source)) regions.set(refOf(region), region);
  }
  return regions;
}

/** The fenced code blocks of a Markdown document, with the snippet marker before each. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, info] = open;
    if (fence.startsWith('`') && info.includes('`')) continue;
    const closing = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !closing.test(lines[end])) end++;
    const body = lines.slice(i + 1, end).map((line) => stripIndent(line, indent.length));
    let before = i - 1;
    while (before >= 0 && lines[before].trim() === '') before--;
    const marker = before >= 0 ? MARKER.exec(lines[before]) : null;
    blocks.push({
      line: i + 1,
      language: info.trim().split(/\s+/)[0].toLowerCase(),
      indent,
      ...(marker ? { ref: `${marker[1]}#${marker[2]}`, markerLine: before } : {}),
      text: body.map((line) => `${line}\n`).join(''),
      firstLine: i + 1,
      closingLine: end,
    });
    i = end;
  }
  return blocks;
}

function stripIndent(line: string, width: number): string {
  let cut = 0;
  while (cut < width && line[cut] === ' ') cut++;
  return line.slice(cut);
}

/** Whether blocks of this language must come from a snippet region. */
export function isCompiled(block: Pick<CodeBlock, 'language'>): boolean {
  return COMPILED_LANGUAGES.has(block.language);
}

/**
 * What is wrong with the snippets of one document, one line per problem, each starting with
 * `file:line`: a TypeScript block without a marker, a marker naming no region or standing
 * before no TypeScript block, and a block that differs from its region.
 */
export function checkDocument(
  file: string,
  markdown: string,
  regions: ReadonlyMap<string, Region>,
): string[] {
  const problems: string[] = [];
  const blocks = codeBlocks(markdown);
  const marked = new Set(blocks.map((block) => block.markerLine));
  const inside = (index: number) =>
    blocks.some((block) => index >= block.firstLine - 1 && index <= block.closingLine);
  markdown.split('\n').forEach((line, index) => {
    if (MARKER.test(line) && !marked.has(index) && !inside(index)) {
      problems.push(`${file}:${index + 1}: the snippet marker is not followed by a code block`);
    }
  });
  for (const block of blocks) {
    const where = `${file}:${block.line}`;
    if (!isCompiled(block)) {
      if (block.ref) {
        problems.push(`${where}: ${block.ref} marks a \`${block.language}\` block, not TypeScript`);
      }
      continue;
    }
    if (!block.ref) {
      problems.push(
        `${where}: a \`${block.language}\` block without a <!-- snippet: <file>#<region> --> marker; ` +
          `put its code in a region of ${SNIPPETS_DIR}/`,
      );
      continue;
    }
    const region = regions.get(block.ref);
    if (!region) {
      problems.push(`${where}: ${block.ref} is not a region of ${SNIPPETS_DIR}/`);
    } else if (region.text !== block.text) {
      problems.push(
        `${where}: differs from ${block.ref}, ` +
          `${firstDifference(region.text, block.text, ['the region', 'the block'])} ` +
          '(npm run docs:snippets rewrites the block)',
      );
    }
  }
  return problems;
}

function firstDifference(
  expected: string,
  actual: string,
  [expectedName, actualName]: readonly [string, string],
): string {
  const want = expected.split('\n');
  const got = actual.split('\n');
  let i = 0;
  while (i < want.length && want[i] === got[i]) i++;
  const show = (line: string | undefined) =>
    line === undefined ? 'nothing' : JSON.stringify(line);
  return `first at its line ${i + 1}: ${expectedName} has ${show(want[i])}, ${actualName} ${show(got[i])}`;
}

/** The document with every marked TypeScript block replaced by its region's text. */
export function rewriteDocument(markdown: string, regions: ReadonlyMap<string, Region>): string {
  const lines = markdown.split('\n');
  // From the last block up, so earlier blocks keep their line numbers.
  for (const block of codeBlocks(markdown).reverse()) {
    const region = block.ref === undefined ? undefined : regions.get(block.ref);
    if (!region || !isCompiled(block) || block.closingLine >= lines.length) continue;
    const body = region.text
      .slice(0, -1)
      .split('\n')
      .map((line) => (line === '' ? '' : block.indent + line));
    lines.splice(block.firstLine, block.closingLine - block.firstLine, ...body);
  }
  return lines.join('\n');
}

/** README.md and the Markdown pages directly under docs/, relative to the root. */
export function documents(root: string): string[] {
  const pages = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...pages];
}

/** The regions no document shows, as `file#region`. */
export function unusedRegions(root: string, regions: ReadonlyMap<string, Region>): string[] {
  const used = new Set(
    documents(root).flatMap((doc) =>
      codeBlocks(readFileSync(join(root, doc), 'utf8')).flatMap((block) => block.ref ?? []),
    ),
  );
  return [...regions.keys()].filter((ref) => !used.has(ref));
}

/** Every snippet problem of the documents, and each region shown nowhere. */
export function checkDocuments(root: string): string[] {
  const regions = readRegions(root);
  return [
    ...documents(root).flatMap((doc) =>
      checkDocument(doc, readFileSync(join(root, doc), 'utf8'), regions),
    ),
    ...unusedRegions(root, regions).map((ref) => {
      const region = regions.get(ref)!;
      return `${SNIPPETS_DIR}/${region.file}:${region.line}: region ${ref} is shown by no document`;
    }),
  ];
}

/**
 * Each text as prettier formats TypeScript with the repository's config. Prettier 3 loads
 * itself through dynamic `import()`, which jest's module system refuses, so a child Node
 * process formats them all.
 */
export function formatWithPrettier(root: string, texts: readonly string[]): string[] {
  const script = [
    "import { format, resolveConfig } from 'prettier';",
    "import { readFileSync } from 'node:fs';",
    "const texts = JSON.parse(readFileSync(0, 'utf8'));",
    'const options = await resolveConfig(process.env.PRETTIER_CONFIG_FOR);',
    "const out = await Promise.all(texts.map((t) => format(t, { ...options, parser: 'typescript' })));",
    'process.stdout.write(JSON.stringify(out));',
  ].join('\n');
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    input: JSON.stringify(texts),
    encoding: 'utf8',
    env: { ...process.env, PRETTIER_CONFIG_FOR: join(root, 'README.md') },
  });
  if (child.status !== 0) throw new Error(`prettier failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as string[];
}

/**
 * The regions prettier would change in a Markdown block (it formats ```ts blocks as
 * TypeScript), so that `npm run format:check` would fail on the document showing them.
 */
export function unformattedRegions(root: string, regions: ReadonlyMap<string, Region>): string[] {
  const entries = [...regions];
  const formatted = formatWithPrettier(
    root,
    entries.map(([, region]) => region.text),
  );
  return entries.flatMap(([ref, region], i) =>
    formatted[i] === region.text
      ? []
      : [
          `${SNIPPETS_DIR}/${region.file}:${region.line}: region ${ref} is not as prettier formats ` +
            `it in a Markdown block, ${firstDifference(formatted[i], region.text, ['prettier', 'the region'])}`,
        ],
  );
}

/** The compiler options and files of docs/snippets/tsconfig.json. */
export function snippetConfig(root: string): ts.ParsedCommandLine {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(root, SNIPPETS_DIR, 'tsconfig.json'),
    undefined,
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error(`${SNIPPETS_DIR}/tsconfig.json cannot be read`);
  return parsed;
}

/**
 * Compiles docs/snippets as its tsconfig says; `replace` swaps a file's text (by absolute
 * path) first. Returns the program and each diagnostic as `file:line: TS<code> message`, the
 * file relative to the root.
 */
export function compileSnippets(
  root: string,
  config: ts.ParsedCommandLine,
  replace: ReadonlyMap<string, string> = new Map(),
  oldProgram?: ts.Program,
): { program: ts.Program; diagnostics: string[] } {
  const host = ts.createCompilerHost(config.options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, language, ...rest) => {
    const text = replace.get(fileName);
    return text === undefined
      ? read(fileName, language, ...rest)
      : ts.createSourceFile(fileName, text, language);
  };
  const program = ts.createProgram({
    rootNames: config.fileNames,
    options: config.options,
    host,
    oldProgram,
  });
  const diagnostics = [...config.errors, ...ts.getPreEmitDiagnostics(program)].map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (!d.file || d.start === undefined) return `TS${d.code} ${text}`;
    const line = d.file.getLineAndCharacterOfPosition(d.start).line + 1;
    return `${relative(root, d.file.fileName)}:${line}: TS${d.code} ${text}`;
  });
  return { program, diagnostics };
}

function main(argv: readonly string[]): number {
  const root = join(__dirname, '..');
  const check = argv.includes('--check');
  if (!check) {
    const regions = readRegions(root);
    for (const doc of documents(root)) {
      const before = readFileSync(join(root, doc), 'utf8');
      const after = rewriteDocument(before, regions);
      if (after !== before) {
        writeFileSync(join(root, doc), after);
        console.log(`rewrote the snippets of ${doc}`);
      }
    }
  }
  const problems = [
    ...compileSnippets(root, snippetConfig(root)).diagnostics,
    ...unformattedRegions(root, readRegions(root)),
    ...checkDocuments(root),
  ];
  for (const problem of problems) console.error(problem);
  if (problems.length === 0) console.log('every TypeScript block compiles and matches its region');
  return problems.length === 0 ? 0 : 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
