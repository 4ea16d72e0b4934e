import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SNIPPETS_DIR,
  checkDocument,
  checkDocuments,
  codeBlocks,
  compileSnippets,
  documents,
  isCompiled,
  parseRegions,
  readRegions,
  rewriteDocument,
  snippetConfig,
  snippetFiles,
  unformattedRegions,
} from '../../../scripts/docs-snippets';

/**
 * Every TypeScript block of README.md and docs/*.md is a region of a module under
 * docs/snippets/ that compiles under `strict` against lib/ (see scripts/docs-snippets.ts).
 */

const ROOT = join(__dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

describe('documentation snippets', () => {
  const config = snippetConfig(ROOT);
  let compiled: ReturnType<typeof compileSnippets>;

  beforeAll(() => {
    compiled = compileSnippets(ROOT, config);
  });

  describe('docs/snippets', () => {
    it('compiles every module under strict with no diagnostics', () => {
      expect(config.options.strict).toBe(true);
      const files = config.fileNames.map((f) => f.slice(f.lastIndexOf('/') + 1)).sort();
      expect(files).toEqual(snippetFiles(ROOT));
      expect(files.length).toBeGreaterThanOrEqual(15);
      // The package name resolves to lib/, not to an installed copy.
      const main = compiled.program.getSourceFile(join(ROOT, 'lib', 'index.ts'));
      expect(main).toBeDefined();
      expect(compiled.diagnostics).toEqual([]);
    });

    it('reports a snippet that does not compile, naming its file and line', () => {
      const file = join(ROOT, SNIPPETS_DIR, 'summariser.agent.ts');
      const broken = read(`${SNIPPETS_DIR}/summariser.agent.ts`).replace(
        '{ signal: ctx.signal }',
        '{ signal: ctx.signal, retries: 3 }',
      );
      const { diagnostics } = compileSnippets(
        ROOT,
        config,
        new Map([[file, broken]]),
        compiled.program,
      );
      expect(diagnostics).toHaveLength(1);
      expect(diagnostics[0]).toMatch(
        /^docs\/snippets\/summariser\.agent\.ts:\d+: TS2353 .*'retries' does not exist/,
      );
    });

    it('is not shipped: package.json "files" leaves docs/ out', () => {
      const { files } = JSON.parse(read('package.json')) as { files: string[] };
      expect(files.filter((entry) => entry.startsWith('docs'))).toEqual([]);
      expect(files).toEqual(expect.arrayContaining(['dist', 'lib', 'README.md']));
    });
  });

  describe('README.md and docs/*.md', () => {
    it('hold each TypeScript block as a marked region of docs/snippets, and show every region', () => {
      expect(checkDocuments(ROOT)).toEqual([]);
    });

    it('show regions as prettier formats them, so format:check and the blocks agree', () => {
      expect(unformattedRegions(ROOT, readRegions(ROOT))).toEqual([]);
      const squeezed = new Map([
        ['a.ts#x', { file: 'a.ts', name: 'x', line: 3, text: 'const a   = 1;\n' }],
      ]);
      expect(unformattedRegions(ROOT, squeezed)).toEqual([
        'docs/snippets/a.ts:3: region a.ts#x is not as prettier formats it in a Markdown block, ' +
          'first at its line 1: prettier has "const a = 1;", the region "const a   = 1;"',
      ]);
    });

    it('have their TypeScript blocks checked, none left out', () => {
      const blocks = documents(ROOT).flatMap((doc) =>
        codeBlocks(read(doc))
          .filter(isCompiled)
          .map((block) => ({ doc, ref: block.ref })),
      );
      expect(blocks.filter((block) => block.doc === 'README.md').length).toBeGreaterThanOrEqual(15);
      expect(blocks.filter((block) => block.ref === undefined)).toEqual([]);
      // Shell and text blocks are not compiled.
      const languages = codeBlocks(read('README.md')).map((block) => block.language);
      expect(languages).toEqual(expect.arrayContaining(['bash', 'text']));
      expect(isCompiled({ language: 'bash' }) || isCompiled({ language: 'text' })).toBe(false);
    });

    const regions = readRegions(ROOT);
    const readme = read('README.md');
    const agentBlock = codeBlocks(readme).find((b) => b.ref === 'summariser.agent.ts#agent')!;

    it('report a block that differs from its region, naming the document, line and region', () => {
      expect(agentBlock).toBeDefined();
      const edited = readme.replace(
        'return { summary }; // acked',
        'return { summary, extra: 1 }; // acked',
      );
      expect(edited).not.toBe(readme);
      const problems = checkDocument('README.md', edited, regions);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(
        new RegExp(`^README\\.md:${agentBlock.line}: differs from summariser\\.agent\\.ts#agent`),
      );
      expect(problems[0]).toContain('return { summary, extra: 1 }; // acked');
    });

    it('report a TypeScript block without a marker and a marker naming no region', () => {
      const unmarked = readme.replace('<!-- snippet: summariser.agent.ts#agent -->\n', '');
      expect(checkDocument('README.md', unmarked, regions)).toEqual([
        expect.stringMatching(/^README\.md:\d+: a `ts` block without a <!-- snippet:/),
      ]);
      const misnamed = readme.replace(
        'summariser.agent.ts#agent -->',
        'summariser.agent.ts#nope -->',
      );
      expect(checkDocument('README.md', misnamed, regions)).toEqual([
        `README.md:${agentBlock.line}: summariser.agent.ts#nope is not a region of docs/snippets/`,
      ]);
      const stray = `${readme}\n<!-- snippet: summariser.agent.ts#agent -->\n\nText.\n`;
      expect(checkDocument('README.md', stray, regions)).toEqual([
        expect.stringMatching(/the snippet marker is not followed by a code block$/),
      ]);
    });

    it('are rewritten from the regions by npm run docs:snippets', () => {
      const edited = readme.replace(
        'return { summary }; // acked',
        'return { summary, extra: 1 }; // acked',
      );
      expect(rewriteDocument(edited, regions)).toBe(readme);
      expect(rewriteDocument(readme, regions)).toBe(readme);
    });
  });

  describe('regions and blocks', () => {
    it('dedents a region, leaves out nested markers, and keeps blank lines empty', () => {
      const source = [
        'class A {',
        '  // #region outer',
        '  method() {',
        '    // #region inner',
        '    return 1;',
        '    // #endregion',
        '',
        '  }',
        '  // #endregion',
        '}',
      ].join('\n');
      expect(parseRegions('a.ts', source)).toEqual([
        { file: 'a.ts', name: 'outer', line: 2, text: 'method() {\n  return 1;\n\n}\n' },
        { file: 'a.ts', name: 'inner', line: 4, text: 'return 1;\n' },
      ]);
    });

    it('refuses a region left open, closed twice, named twice or empty', () => {
      expect(() => parseRegions('a.ts', '// #region x\nconst a = 1;\n')).toThrow(
        'a.ts:1: region x is not closed',
      );
      expect(() => parseRegions('a.ts', 'const a = 1;\n// #endregion\n')).toThrow(
        'a.ts:2: #endregion without a #region',
      );
      expect(() =>
        parseRegions('a.ts', '// #region x\na;\n// #endregion\n// #region x\nb;\n// #endregion'),
      ).toThrow('a.ts:4: region x is declared twice');
      expect(() => parseRegions('a.ts', '// #region x\n\n// #endregion\n')).toThrow(
        'a.ts:1: region x is empty',
      );
    });

    it('reads indented fences in lists, and blocks of every language', () => {
      const markdown = [
        '- a step:',
        '',
        '  <!-- snippet: a.ts#x -->',
        '  ```ts',
        '  const a = 1;',
        '',
        '    nested();',
        '  ```',
        '',
        '```bash',
        'npm test',
        '```',
      ].join('\n');
      const [ts, bash] = codeBlocks(markdown);
      expect(ts).toMatchObject({
        line: 4,
        language: 'ts',
        indent: '  ',
        ref: 'a.ts#x',
        text: 'const a = 1;\n\n  nested();\n',
      });
      expect(bash).toMatchObject({ line: 10, language: 'bash', text: 'npm test\n' });
      expect(bash.ref).toBeUndefined();
      const regions = new Map([
        ['a.ts#x', { file: 'a.ts', name: 'x', line: 1, text: 'const b = 2;\n' }],
      ]);
      expect(rewriteDocument(markdown, regions).split('\n').slice(3, 6)).toEqual([
        '  ```ts',
        '  const b = 2;',
        '  ```',
      ]);
    });
  });
});
