/**
 * `npm run bench` (quick, under 2 minutes) or `npm run bench -- --full` (more rounds and samples, a 4 GB
 * stream). Prints one markdown table per benchmark as it finishes and writes them all to
 * bench/out/results-<mode>.md. Ratios are always measured in the same run; nothing here fails on a ratio.
 * `--only=pipeline,e2e,memory,concurrency,latency,bundle` runs a subset.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { buildWorkers } from './build-workers';
import { bundleSizeBenchmark } from './bundle-size';
import { endToEndBenchmark } from './e2e';
import { pipelineBenchmark } from './pipeline';
import { concurrencyBenchmark, latencyBenchmark, memoryBenchmark } from './resources';
import { renderTable, type BenchTable } from './table';

const full = process.argv.includes('--full');
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).split(',');
const benchDir = __dirname;
const root = join(benchDir, '..');

const plan: Array<[string, (dir: string) => Promise<BenchTable>]> = [
  ['pipeline', (dir) => pipelineBenchmark(dir, { megabytes: 50, rounds: full ? 9 : 5 })],
  ['e2e', (dir) => endToEndBenchmark(dir, { events: 100_000, rounds: full ? 9 : 5 })],
  ['memory', (dir) => memoryBenchmark(dir, { bytes: full ? 4e9 : 1e9 })],
  ['concurrency', (dir) => concurrencyBenchmark(dir, { streams: 1000, events: 1000 })],
  ['latency', (dir) => latencyBenchmark(dir, { ttfcSamples: full ? 1000 : 200, abortSamples: full ? 500 : 100, warmupRounds: 2000 })],
  ['bundle', () => bundleSizeBenchmark(root)],
];

async function main(): Promise<void> {
  const started = Date.now();
  const dir = await buildWorkers(benchDir);
  const header = `## Benchmarks (${full ? 'full' : 'quick'} run, ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim()})\n`;
  console.log(header);
  const sections = [header];
  for (const [name, run] of plan) {
    if (only && !only.includes(name)) continue;
    const section = renderTable(await run(dir));
    console.log(section);
    sections.push(section);
  }
  const footer = `_${full ? 'Full' : 'Quick'} run: ${((Date.now() - started) / 1000).toFixed(0)} s in all._\n`;
  console.log(footer);
  sections.push(footer);
  await mkdir(join(benchDir, 'out'), { recursive: true });
  await writeFile(join(benchDir, 'out', `results-${full ? 'full' : 'quick'}.md`), sections.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
