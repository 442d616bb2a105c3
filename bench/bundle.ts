/*
 * esbuild bundles of the handlers (minified: what a user deploys, measured for size and cold start)
 * and of the adapters (not minified, loaded by the runtime benchmarks). `@aws-sdk/*` stays external
 * because the Lambda Node.js runtime provides it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { buildSync } from 'esbuild';
import { ROOT, WORK } from './util';

export const LIBRARIES = ['appsecret', 'powertools', 'sdk'] as const;
export type Library = typeof LIBRARIES[number];

/** The warm-read benchmark also reads through the per-id promise and measures the Map floor. */
export const WARM_VARIANTS = [...LIBRARIES, 'appsecret-item', 'floor'] as const;
export type WarmVariant = typeof WARM_VARIANTS[number];

export interface BundleSize {
  readonly bytes: number;
  readonly gzipBytes: number;
}

function bundle(entry: string, outfile: string, minify: boolean): void {
  buildSync({
    entryPoints: [path.join(ROOT, 'bench', entry)],
    outfile,
    bundle: true,
    minify,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['@aws-sdk/*'],
    logLevel: 'error',
  });
}

/** Path of the minified one-secret handler bundle of `lib`. */
export const handlerBundle = (lib: Library): string => path.join(WORK, 'handlers', `${lib}.js`);
/** Path of the adapter bundle of `lib` (or of the Map floor). */
export const adapterBundle = (lib: WarmVariant): string => path.join(WORK, 'adapters', `${lib}.js`);

/** Builds every bundle and returns the handler sizes. */
export function buildBundles(): Record<Library, BundleSize> {
  const sizes = {} as Record<Library, BundleSize>;
  for (const lib of LIBRARIES) {
    bundle(`handlers/${lib}.ts`, handlerBundle(lib), true);
    const code = fs.readFileSync(handlerBundle(lib));
    sizes[lib] = { bytes: code.length, gzipBytes: gzipSync(code).length };
  }
  for (const lib of WARM_VARIANTS) bundle(`adapters/${lib}.ts`, adapterBundle(lib), false);
  return sizes;
}
