/**
 * The library's own code as a browser gets it: bundled by esbuild for the browser platform (a Node built-in
 * would fail the build), minified, rxjs / axios / zod external, then gzipped. Two rows: the whole main entry,
 * and the client alone (an app that imports only `LlmGatewayClient` ships only that; the agent operators
 * tree-shake away).
 */
import { build, type BuildOptions } from 'esbuild';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { browserVariants } from './browser-variants';
import { verdict, type BenchTable } from './table';

const TARGET = 6000;

async function measure(root: string, entry: Pick<BuildOptions, 'entryPoints' | 'stdin'>) {
  const result = await build({
    ...entry,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022', // the library's own target (tsconfig)
    external: ['rxjs', 'rxjs/*', 'axios', 'zod'],
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
  return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length, largest };
}

/** Bundles the library twice (whole entry, client alone) and measures both, with the largest inputs listed. */
export async function bundleSizeBenchmark(root: string): Promise<BenchTable> {
  const whole = await measure(root, { entryPoints: [join(root, 'lib', 'index.ts')] });
  const client = await measure(root, {
    stdin: { contents: "export { LlmGatewayClient } from './lib/index';", resolveDir: root, loader: 'ts', sourcefile: 'client-only.ts' },
  });
  const row = (name: string, m: { minified: number; gzip: number }) => [
    name,
    m.minified.toLocaleString('en-US'),
    m.gzip.toLocaleString('en-US'),
    `≤ 6,000 — ${verdict(m.gzip <= TARGET)}`,
  ];
  return {
    title: 'Browser bundle: the library’s own code',
    header: ['entry (esbuild, ESM, ES2022, browser, minified; rxjs/axios/zod external)', 'minified', 'min + gzip -9', 'target'],
    rows: [row('whole main entry (`lib/index.ts`)', whole), row('client alone (`export { LlmGatewayClient }`)', client)],
    notes: [
      `Largest inputs of the whole entry (minified bytes): ${whole.largest.join(', ')}.`,
      `Largest inputs of the client alone: ${client.largest.join(', ')}.`,
    ],
  };
}
