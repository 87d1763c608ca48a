/**
 * The testing controller must load in a browser test runner (Karma, Jest + jsdom): bundled for the browser
 * the way Angular's esbuild builder does, its entry must not reach a Node built-in. The Node entry is the
 * control: the same build must fail on it, or this test could not tell the two apart.
 */
import { build } from 'esbuild';
import { join } from 'node:path';

function bundleForBrowser(entry: string) {
  return build({
    entryPoints: [join(__dirname, '..', entry)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
}

describe('browser-safe entries', () => {
  it('bundles llm-gateway-rx/testing/controller for the browser without any Node built-in', async () => {
    const result = await bundleForBrowser('lib/testing/controller/index.ts');
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0].text;
    expect(code).toContain('LlmGatewayTestingController');
    expect(code).not.toMatch(/from\s*["']node:/);
  });

  it('fails to bundle llm-gateway-rx/testing (the loopback gateway) for the browser', async () => {
    await expect(bundleForBrowser('lib/testing/index.ts')).rejects.toThrow(/node:http/);
  });

  it('bundles the operators and runTools$ from the main entry for the browser', async () => {
    const result = await bundleForBrowser('lib/index.ts');
    expect(result.errors).toEqual([]);
    expect(result.outputFiles[0].text).toContain('runTools$');
  });
});
