/**
 * Compiles the benchmark processes with esbuild into `bench/out/workers/*.mjs`, so they run on plain node:
 * no TypeScript loader in the measured process (its startup, memory and hooks would be measured too).
 * Dependencies stay external: the installed rxjs, axios, zod and peers are what runs. Code splitting keeps a
 * dynamic import a separate file, so a process loads only what it imports (see e2e-client.ts).
 */
import { build } from 'esbuild';
import { join } from 'node:path';

const WORKERS = ['server', 'e2e-client', 'pipeline-worker', 'memory-client', 'concurrency-client', 'latency-client'];

/** Builds every worker script; resolves with the directory that holds them. */
export async function buildWorkers(benchDir: string): Promise<string> {
  const outdir = join(benchDir, 'out', 'workers');
  await build({
    entryPoints: WORKERS.map((name) => join(benchDir, `${name}.ts`)),
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    target: 'node18',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  return outdir;
}
