/**
 * `npm run example:angular`: builds the library, packs it as it would be published, installs that tarball
 * into examples/angular exactly as a user installs a package (no path alias, no workspace link), and builds
 * the Angular app into examples/angular/dist/browser.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const example = join(root, 'examples/angular');
const TARBALL = 'llm-gateway-rx.tgz';

const npm = (args, cwd) => {
  console.log(`\n> npm ${args.join(' ')}   (in ${relative(root, cwd) || '.'})`);
  const run = spawnSync('npm', args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', shell: process.platform === 'win32' });
  if (run.status !== 0) {
    process.stdout.write(run.stdout ?? '');
    process.exit(run.status ?? 1);
  }
  return run.stdout;
};

process.stdout.write(npm(['run', 'build'], root));

// A fixed file name, so a version bump does not need the example's package.json touched.
const packDir = mkdtempSync(join(tmpdir(), 'llm-gateway-rx-pack-'));
const [{ filename }] = JSON.parse(npm(['pack', '--json', '--pack-destination', packDir], root));
renameSync(join(packDir, filename), join(example, TARBALL));
rmSync(packDir, { recursive: true, force: true });

// npm records a local tarball's hash in the lockfile, then serves that hash from its cache: after any change to
// the library, `npm ci` would install the old build (or fail on a fresh machine). Without the hash it reads the file.
const lockPath = join(example, 'package-lock.json');
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const entry = lock.packages?.['node_modules/llm-gateway-rx'];
if (entry?.integrity) {
  delete entry.integrity;
  writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
}

npm(['ci', '--no-audit', '--no-fund'], example);
assertInstalledMatchesBuild();
process.stdout.write(npm(['run', 'build'], example));

/** Guards against any cache serving an older tarball: the installed dist/ must be the one just built. */
function assertInstalledMatchesBuild() {
  const built = join(root, 'dist');
  const installed = join(example, 'node_modules/llm-gateway-rx/dist');
  for (const file of filesUnder(built)) {
    const twin = join(installed, relative(built, file));
    if (!readFileSync(twin, { flag: 'r' }).equals(readFileSync(file))) {
      console.error(`examples/angular installed a stale llm-gateway-rx: ${relative(root, twin)} differs from the build`);
      process.exit(1);
    }
  }
  console.log('installed llm-gateway-rx matches the fresh build');
}

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
