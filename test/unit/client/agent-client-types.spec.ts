import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Type-checks fixtures/billing-app.ts with the README's Clients snippet it imports
 * (docs/snippets/invoices.ts: a Nest controller with `@InjectAgentClient('billing')` that sends
 * a DTO class instance and uses the typed reply) under `strict`, as a user's compiler would: it
 * compiles clean, and each line marked `@ts-expect-error` is an error of its own once the marks
 * are taken away.
 */

const FIXTURES = join(__dirname, 'fixtures');
const APP = resolve(FIXTURES, 'billing-app.ts');
/** The README's Clients snippet, whose classes the fixture uses. */
const SNIPPET = resolve(__dirname, '..', '..', '..', 'docs', 'snippets', 'invoices.ts');
const EXPECT_ERROR = /^\s*\/\/ @ts-expect-error\b/;

function parsedConfig(): ts.ParsedCommandLine {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(FIXTURES, 'tsconfig.json'), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  });
  return parsed!;
}

/** The program of the fixture, with the app's source replaced by `appText` when given. */
function compile(config: ts.ParsedCommandLine, appText?: string, oldProgram?: ts.Program) {
  const host = ts.createCompilerHost(config.options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, language, ...rest) =>
    appText !== undefined && resolve(fileName) === APP
      ? ts.createSourceFile(fileName, appText, language)
      : read(fileName, language, ...rest);
  const program = ts.createProgram({
    rootNames: config.fileNames,
    options: config.options,
    host,
    oldProgram,
  });
  return { program, diagnostics: ts.getPreEmitDiagnostics(program) };
}

/** `file:line: message` of each diagnostic, lines 1-based. */
function report(diagnostics: readonly ts.Diagnostic[]): string[] {
  return diagnostics.map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (!d.file || d.start === undefined) return text;
    const line = d.file.getLineAndCharacterOfPosition(d.start).line + 1;
    return `${d.file.fileName}:${line}: TS${d.code} ${text}`;
  });
}

describe('AgentClient types in a Nest application (strict)', () => {
  const config = parsedConfig();
  const source = readFileSync(APP, 'utf8');
  const lines = source.split('\n');
  const marked = lines.flatMap((line, i) => (EXPECT_ERROR.test(line) ? [i + 2] : []));
  let first: ReturnType<typeof compile>;

  beforeAll(() => {
    first = compile(config);
  });

  it('checks the fixture and the README snippet it builds on, under strict', () => {
    expect(config.options.strict).toBe(true);
    expect(config.fileNames.map((f) => resolve(f))).toEqual([APP]);
    const snippet = first.program.getSourceFile(SNIPPET);
    expect(snippet).toBeDefined();
    expect(snippet!.text).toContain("this.billing.request<InvoiceReply>('invoices.create', dto, {");
    expect(snippet!.text).toContain(
      "@InjectAgentClient('billing') private readonly billing: AgentClient",
    );
    expect(source).toContain("this.billing.request<InvoiceReply>('invoices.create', dto)");
  });

  it('compiles clean: the DTO payload is accepted, the reply typed, every expected error there', () => {
    expect(report(first.diagnostics)).toEqual([]);
  });

  it('each line marked @ts-expect-error is an error once the mark is gone', () => {
    expect(marked.length).toBeGreaterThanOrEqual(6);
    const unmarked = lines.map((line) => (EXPECT_ERROR.test(line) ? '' : line)).join('\n');
    const { diagnostics } = compile(config, unmarked, first.program);
    const errorLines = diagnostics.map((d) => {
      expect(d.file && resolve(d.file.fileName)).toBe(APP);
      return d.file!.getLineAndCharacterOfPosition(d.start!).line + 1;
    });
    expect([...new Set(errorLines)]).toEqual(marked);
    // The wrong use of the typed reply: a number where a string is wanted.
    expect(report(diagnostics).join('\n')).toContain(
      "Type 'number' is not assignable to type 'string'",
    );
  });
});
