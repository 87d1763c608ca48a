/**
 * The library's own code as a browser gets it: lib/index.ts bundled by esbuild for the browser platform
 * (a Node built-in would fail the build), minified, rxjs / axios / zod external, then gzipped.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { verdict, type BenchTable } from './table';

/** Bundles the library and measures it, with the largest inputs listed. */
export async function bundleSizeBenchmark(root: string): Promise<BenchTable> {
  const result = await build({
    entryPoints: [join(root, 'lib', 'index.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022', // the library's own target (tsconfig)
    external: ['rxjs', 'rxjs/*', 'axios', 'zod'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  const gzip = gzipSync(code, { level: 9 }).length;
  const inputs = Object.values(result.metafile.outputs)[0].inputs;
  const largest = Object.entries(inputs)
    .sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)
    .map(([file, { bytesInOutput }]) => `${file.replace(/^.*lib\//, '')} ${bytesInOutput}`)
    .slice(0, 6);
  return {
    title: 'Browser bundle: the library’s own code',
    header: ['measure', 'bytes'],
    rows: [
      ['minified (esbuild, ESM, ES2022, browser, rxjs/axios/zod external)', code.length.toLocaleString('en-US')],
      ['minified + gzip -9', gzip.toLocaleString('en-US')],
    ],
    notes: [`Target: ≤ 6 kB (6,000 bytes) min+gzip — ${verdict(gzip <= 6000)}.`, `Largest inputs (minified bytes): ${largest.join(', ')}.`],
  };
}
