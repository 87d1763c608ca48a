/**
 * An esbuild plugin that bundles lib/ from source as the package's browser build is made
 * (scripts/build-package.mjs): an import of `./x` from lib/ takes `lib/x.browser.ts` where that file exists.
 */
import type { Plugin } from 'esbuild';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const browserVariants: Plugin = {
  name: 'browser-variants',
  setup(build) {
    build.onResolve({ filter: /^\.\/[\w-]+$/ }, ({ path, resolveDir }) => {
      if (!/[\\/]lib$/.test(resolveDir)) return undefined;
      const variant = join(resolveDir, `${path.slice(2)}.browser.ts`);
      return existsSync(variant) ? { path: variant } : undefined;
    });
  },
};
