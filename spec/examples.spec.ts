/**
 * `npm run examples` as CI runs it: a child process against the embedded dev gateway. The examples print what
 * the gateway saw (aborted requests, concurrency), so these checks fail if a pipeline stops doing its job.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..');

function runExamples(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const tsx = join(root, 'node_modules', '.bin', 'tsx');
    execFile(tsx, ['examples/agents.ts'], { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('npm run examples', () => {
  let run: { code: number | null; stdout: string; stderr: string };
  beforeAll(async () => {
    run = await runExamples();
  }, 70_000);

  it('exits 0 with nothing on stderr', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('typeahead: switchMap aborts every superseded request and shows only the last answer', () => {
    expect(run.stdout).toContain('typeahead: 4 keystrokes, 4 requests, 3 superseded and aborted');
    expect(run.stdout).toContain('typeahead: shown ["rxjs operators | rxjs subjects | rxjs schedulers"]');
  });

  it('fan-out: mergeMap(…, 3) summarises all six documents, never more than three at once', () => {
    expect(run.stdout).toContain('fan-out: 6 summaries of 6 documents, at most 3 in flight');
  });

  it('tool loop: weather for both cities, clothing for both temperatures, then the answer', () => {
    const loop = run.stdout.split('\n').filter((line) => line.startsWith('tool loop: step'));
    expect(loop.filter((line) => / (turn|answer):/.test(line))).toEqual([
      'tool loop: step 1 turn: get_weather, get_weather',
      'tool loop: step 2 turn: clothing_for, clothing_for',
      'tool loop: step 3 answer: Paris: 18 °C and cloudy, so a light jacket. Oslo: 4 °C and raining, so a warm coat.',
    ]);
    expect(loop.filter((line) => line.includes('tool-result')).sort()).toEqual([
      'tool loop: step 1 tool-result get_weather -> {"city":"Oslo","celsius":4,"sky":"raining"}',
      'tool loop: step 1 tool-result get_weather -> {"city":"Paris","celsius":18,"sky":"cloudy"}',
      'tool loop: step 2 tool-result clothing_for -> a light jacket',
      'tool loop: step 2 tool-result clothing_for -> a warm coat',
    ]);
    expect(run.stdout).toContain('tool loop: streamed text of the last turn: "Paris: 18 °C and cloudy');
  });
});
