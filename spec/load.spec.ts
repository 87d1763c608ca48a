/**
 * Load: the shared refresh under 1,000 concurrent streams, and 5,000 subscribe / unsubscribe cycles that
 * must close every socket and leak no memory. Each scenario runs client and gateway in a child process of
 * its own (see support/load-scenarios.ts) and reports what happened; the assertions are here.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

function runScenario(name: string): Promise<any> {
  const script = join(__dirname, 'support', 'load-scenarios.ts');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', '--import', 'tsx', script, name], { timeout: 150_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${name} failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

describe('1,000 concurrent streams that all get 401', () => {
  it('cause exactly ONE refresh, and all 1,000 then complete with every chunk in order', async () => {
    const result = await runScenario('concurrent-401');
    expect(result.outcomes).toEqual({ complete: 1000 });
    expect(result.refreshes).toBe(1);
    expect(result.requests).toBe(2000);
  }, 160_000);

  it('all fail with AuthenticationError when the refresh fails, none hangs', async () => {
    const result = await runScenario('concurrent-401-failing-refresh');
    expect(result.outcomes).toEqual({ 'AuthenticationError: Token refresh failed: refresh endpoint down': 1000 });
    expect(result.refreshes).toBe(1);
  }, 160_000);
});

describe('5,000 subscribe / unsubscribe-mid-stream cycles', () => {
  it('close 5,000 sockets on the gateway and grow the heap by less than 10 MB', async () => {
    const result = await runScenario('cycles');
    expect(result.closed).toBe(5000);
    expect(result.heapGrowthBytes).toBeLessThan(10 * 1024 * 1024);
    console.log(`5,000 cycles: ${result.closed} sockets closed, heap growth ${(result.heapGrowthBytes / 1024 / 1024).toFixed(2)} MB`);
  }, 160_000);
});
