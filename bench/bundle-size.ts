/**
 * The library's own code as a browser gets it: bundled by esbuild for the browser platform the way the
 * package's browser build is made (the `browser` condition: each lib/x.browser.ts in place of lib/x.ts; a Node
 * built-in would fail the build), minified, rxjs / axios / zod external, then gzipped. Two rows: the client
 * alone (what a page that streams answers ships: the Angular example imports `LlmGatewayClient` and
 * `LLMProviderError`, nothing else), and every export of the main entry at once (the agent operators tree-shake
 * away unless imported). A third row, for scale, bundles the client with its dependencies, as a page pays it.
 * A fourth shows what the client's code weighs without its prose (error and log messages), to tell how much of
 * the figure is words and how much is code.
 */
import { build, type BuildOptions } from 'esbuild';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import ts from 'typescript';
import { browserVariants } from './browser-variants';
import { verdict, type BenchTable } from './table';

const TARGET = 6000;

async function measure(root: string, entry: Pick<BuildOptions, 'entryPoints' | 'stdin'>, external = ['rxjs', 'rxjs/*', 'axios', 'zod']) {
  const result = await build({
    ...entry,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022', // the library's own target (tsconfig)
    external,
    write: false,
    metafile: true,
    plugins: [browserVariants],
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  const inputs = Object.values(result.metafile.outputs)[0].inputs;
  const largest = Object.entries(inputs)
    .filter(([file]) => file.includes('lib/'))
    .sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)
    .map(([file, { bytesInOutput }]) => `${file.replace(/^.*lib\//, '')} ${bytesInOutput}`)
    .slice(0, 6);
  return { minified: code.length, gzip: gzip(code), largest, text: new TextDecoder().decode(code) };
}

const gzip = (code: string | Uint8Array) => gzipSync(code, { level: 9 }).length;

/**
 * The minified code with the text of every string that holds a space emptied: the messages, which code never
 * compares, go; the property names, header names and option values the code uses stay. Not runnable as a
 * client (its errors would say nothing), only a measure.
 */
function withoutProse(code: string): string {
  const file = ts.createSourceFile('bundle.js', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const cuts: Array<[number, number]> = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateLiteralToken(node)) && node.text.includes(' ')) {
      // Keep the quotes, and a template piece's `${` or `}`.
      const opensSubstitution = ts.isTemplateHead(node) || ts.isTemplateMiddle(node);
      cuts.push([node.getStart(file) + 1, node.getEnd() - (opensSubstitution ? 2 : 1)]);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return cuts.reverse().reduce((text, [start, end]) => text.slice(0, start) + text.slice(end), code);
}

/** Bundles the library twice (client alone, whole entry) and measures both, with the largest inputs listed. */
export async function bundleSizeBenchmark(root: string): Promise<BenchTable> {
  const whole = await measure(root, { entryPoints: [join(root, 'lib', 'index.ts')] });
  const clientEntry = {
    stdin: { contents: "export { LlmGatewayClient } from './lib/index';", resolveDir: root, loader: 'ts' as const, sourcefile: 'client-only.ts' },
  };
  const client = await measure(root, clientEntry);
  const withDependencies = await measure(root, clientEntry, []);
  const prose = withoutProse(client.text);
  const over = (m: { gzip: number }) => (m.gzip <= TARGET ? 'within 6,000' : `${(m.gzip - TARGET).toLocaleString('en-US')} B over 6,000`);
  return {
    title: 'Browser bundle: the library’s own code',
    header: ['entry (esbuild, ESM, ES2022, browser build, minified; rxjs/axios/zod external)', 'minified', 'min + gzip -9', 'target'],
    rows: [
      ['`LlmGatewayClient` alone (what a page streaming answers ships)', kb(client.minified), kb(client.gzip), `≤ 6,000 — ${verdict(client.gzip <= TARGET)}`],
      ['every export of the main entry, agent operators included', kb(whole.minified), kb(whole.gzip), `${over(whole)} (paid only by an app importing them all)`],
      ['`LlmGatewayClient` with rxjs, axios and zod bundled in (what a page pays in all, for scale)', kb(withDependencies.minified), kb(withDependencies.gzip), ''],
      [
        '`LlmGatewayClient` with its prose emptied (every string holding a space: the messages; a measure, not a build)',
        kb(prose.length),
        kb(gzip(prose)),
        `words are ${kb(client.gzip - gzip(prose))} B of the client; its code alone is ${over({ gzip: gzip(prose) })}`,
      ],
    ],
    notes: [
      `Largest inputs of the client (minified bytes): ${client.largest.join(', ')}.`,
      `Largest inputs of the whole entry: ${whole.largest.join(', ')}.`,
    ],
  };
}

const kb = (bytes: number) => bytes.toLocaleString('en-US');
