/**
 * Runs the built package as its users load it, through its own `exports` map (a package may import itself by
 * name): the ESM entry (in Node, ES modules re-exporting the CommonJS build), the ES module build bundlers get
 * (dist/esm) and the CommonJS entry each stream an answer from the dev gateway, and so does the browser
 * build (dist/browser, for `import` under the `browser` condition; its fetch adapter runs in Node too), whose import graph reaches
 * no module but its declared dependencies — no Node built-in, no Node-only variant. Exits 1 on any failure.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BehaviorSubject, lastValueFrom, toArray } from 'rxjs';
import * as esm from 'llm-gateway-rx';
import { startTestGateway } from 'llm-gateway-rx/testing';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cjs = createRequire(import.meta.url)('llm-gateway-rx');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const browserEntry = join(root, pkg.exports['.'].import.browser);
const browser = await import(browserEntry);
const forBundlers = await import(join(root, pkg.exports['.'].import.default));
const { dependencies = {}, peerDependencies = {} } = pkg;
const allowed = new Set([...Object.keys(dependencies), ...Object.keys(peerDependencies)]);

const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

const gateway = await startTestGateway({ model: { reply: 'one two three' } });
try {
  for (const [name, api] of [['ESM', esm], ['bundlers\' ESM (dist/esm)', forBundlers], ['CommonJS', cjs], ['browser', browser]]) {
    const client = new api.LlmGatewayClient({ serverUrl: gateway.url, token$: new BehaviorSubject('t') });
    const chunks = await lastValueFrom(client.chatStream$({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).pipe(toArray()));
    check(chunks.map((c) => c.content).join('') === 'one two three', `${name} entry streams an answer`);
    check(new api.GatewayError('x') instanceof api.LLMProviderError, `${name} entry's errors keep their class chain`);
  }
} finally {
  await gateway.close();
}

// One class per name in Node, whether a module imports the package or requires it: an error thrown by a client
// that CommonJS code built is `instanceof` the class an ES module imported (no dual-package hazard).
const requireByName = createRequire(import.meta.url);
for (const entry of ['llm-gateway-rx', 'llm-gateway-rx/testing', 'llm-gateway-rx/testing/controller']) {
  const imported = await import(entry);
  const required = requireByName(entry);
  const split = Object.keys(imported).filter((name) => imported[name] !== required[name]);
  check(split.length === 0, `${entry}: import and require give the same exports in Node${split.length ? ` (differ: ${split.join(', ')})` : ''}`);
}

const bare = new Set();
const seen = new Set();
const visit = (file) => {
  if (seen.has(file)) return;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const [, specifier] of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g)) {
    if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
    else bare.add(specifier);
  }
};
visit(browserEntry);
const foreign = [...bare].filter((specifier) => !allowed.has(specifier.split('/')[0]));
check(foreign.length === 0, `browser entry imports only ${[...allowed].join(', ')} (found: ${[...bare].join(', ')})`);
check(![...seen].some((file) => file.includes('/testing/')), 'browser entry does not pull in the Node-only testing gateway');
check([...seen].every((file) => file.startsWith(dirname(browserEntry))), 'browser entry stays inside dist/browser');
const browserCode = [...seen].map((file) => readFileSync(file, 'utf8')).join('\n');
check(!/process\.env|\.on\('data'/.test(browserCode), 'browser entry holds no Node-only code (proxy variables, Node streams)');

// Under the browser condition, `import` reaches the browser build and `require` (Jest with jsdom asks for both
// conditions) the CommonJS one: an ES module there would fail every such test suite.
const resolveUnderBrowser = (args) =>
  spawnSync(process.execPath, ['--conditions=browser', ...args], { cwd: root, encoding: 'utf8' }).stdout.trim();
const imported = resolveUnderBrowser(['--input-type=module', '-e', "console.log(import.meta.resolve('llm-gateway-rx'))"]);
const required = resolveUnderBrowser(['-p', "require.resolve('llm-gateway-rx')"]);
check(imported.endsWith('/dist/browser/index.js'), `import under the browser condition gets the browser build (${imported})`);
check(required.endsWith('/dist/cjs/index.js'), `require under the browser condition gets the CommonJS build (${required})`);

if (failures.length > 0) process.exit(1);
