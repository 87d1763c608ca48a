/**
 * `npm run build`: dist/cjs (CommonJS) and dist/esm (ES modules), each with its .d.ts, from one source.
 * tsc writes relative imports as they are in the source (`./client`); Node's ESM loader, and TypeScript's
 * node16 resolution of the ESM types, need the file named (`./client.js`), so the ESM output gets its
 * relative specifiers completed here, each checked against the file it must name.
 *
 * dist/browser (the main entry's `import` + `browser` conditions) is dist/esm's main graph with each `lib/x.browser.ts`
 * compiled in place of `lib/x.ts`: the Node-only code (Node streams, proxy variables) and the Node-speed fast
 * path stay out of every page that loads the library.
 *
 * dist/node (the `node` condition of each entry's `import`) is one small ES module per entry re-exporting the
 * CommonJS build by name: in Node, `import` and `require` then load the same module, so an app that has both
 * (an ES module app with a CommonJS dependency that builds the client) gets one `LLMProviderError` class, and
 * `instanceof` holds whichever side threw. (RxJS does the same: Node gets its CommonJS build either way.)
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(join(root, 'dist'), { recursive: true, force: true });
for (const project of ['tsconfig.build.json', 'tsconfig.esm.json']) {
  const run = spawnSync(process.execPath, [tsc, '-p', join(root, project)], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
// Each half says what its .js files are, whatever the root package.json says.
writeFileSync(join(root, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n');
writeFileSync(join(root, 'dist/esm/package.json'), '{ "type": "module" }\n');

/** `from './x'`, `import './x'`, `import('./x')`, in .js and .d.ts alike. */
const RELATIVE_SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.\.?\/[^'"]*)\2/g;

for (const file of filesUnder(join(root, 'dist/esm'))) {
  if (!file.endsWith('.js') && !file.endsWith('.d.ts')) continue;
  const text = readFileSync(file, 'utf8');
  const completed = text.replace(RELATIVE_SPECIFIER, (_match, lead, quote, specifier) => {
    return `${lead}${quote}${completeSpecifier(file, specifier)}${quote}`;
  });
  if (completed !== text) writeFileSync(file, completed);
}

// The browser build: the main graph only (testing/ and cli/ are Node tools), variants in place. Then the variants
// leave dist/esm and dist/cjs, where nothing imports them.
const esmDir = join(root, 'dist/esm');
const browserDir = join(root, 'dist/browser');
mkdirSync(browserDir);
for (const name of readdirSync(esmDir)) {
  if (!name.endsWith('.js') || name.endsWith('.browser.js')) continue;
  const variant = name.replace(/\.js$/, '.browser.js');
  copyFileSync(join(esmDir, existsSync(join(esmDir, variant)) ? variant : name), join(browserDir, name));
}
writeFileSync(join(browserDir, 'package.json'), '{ "type": "module" }\n');
for (const file of [...filesUnder(esmDir), ...filesUnder(join(root, 'dist/cjs'))]) {
  if (/\.browser\.(js|d\.ts)$/.test(file)) rmSync(file);
}

// The Node ES module entries: each name of the CommonJS entry, checked against the ES module build's names.
const nodeDir = join(root, 'dist/node');
mkdirSync(nodeDir);
const requireBuilt = createRequire(join(root, 'dist/cjs/index.js'));
for (const [wrapper, entry] of [
  ['index.mjs', 'index.js'],
  ['testing.mjs', 'testing/index.js'],
  ['testing-controller.mjs', 'testing/controller/index.js'],
]) {
  const names = Object.keys(requireBuilt(join(root, 'dist/cjs', entry))).filter((name) => name !== '__esModule').sort();
  const esmNames = Object.keys(await import(pathToFileURL(join(esmDir, entry)).href)).sort();
  if (names.join() !== esmNames.join()) throw new Error(`dist/cjs/${entry} and dist/esm/${entry} export different names`);
  writeFileSync(join(nodeDir, wrapper), `export { ${names.join(', ')} } from '../cjs/${entry}';\n`);
}

/** `./x` -> `./x.js`, or `./x/index.js` for a folder; throws when neither exists, rather than ship a broken import. */
function completeSpecifier(importer, specifier) {
  if (/\.(m?js|json)$/.test(specifier)) return specifier;
  const target = resolve(dirname(importer), specifier);
  if (existsSync(`${target}.js`)) return `${specifier}.js`;
  if (existsSync(join(target, 'index.js'))) return `${specifier.replace(/\/$/, '')}/index.js`;
  throw new Error(`${importer}: cannot resolve ${specifier}`);
}

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
