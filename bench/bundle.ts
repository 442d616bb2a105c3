/*
 * The one esbuild helper for every bundle the benchmarks measure or load, set up as a user's
 * NodejsFunction bundles a handler: bundle, platform node, target node20, CJS, `@aws-sdk/*` external
 * (the Lambda Node.js runtime provides it).
 *
 * Handlers and adapters import `cdk-app-secrets/runtime` as users do. esbuild resolves that through
 * this package's own package.json `exports` (a package may import itself by name), with the conditions
 * it uses for an installed package: so the code measured is the published build in build/ (the `module`
 * entry when `exports` has one, else the CJS one), never the TypeScript sources. The bundle records which
 * file it was, and a build older than its sources is refused rather than measured.
 */
import * as fs from 'fs';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { buildSync, Metafile } from 'esbuild';
import { ROOT, WORK } from './util';

const RUNTIME_SPECIFIER = 'cdk-app-secrets/runtime';

/** One-secret Lambda handlers (bench/handlers/), measured for size and cold start. middy ships ES modules only. */
export const HANDLERS = { appsecret: 'appsecret.ts', powertools: 'powertools.ts', middy: 'middy.mts', sdk: 'sdk.ts' } as const;
export type HandlerName = keyof typeof HANDLERS;

/** Each library's reads written idiomatically (bench/adapters/), loaded by bench/runtime-case.ts. */
export const ADAPTERS = ['appsecret', 'powertools', 'middy', 'sdk', 'floor'] as const;
export type AdapterName = typeof ADAPTERS[number];

export interface BundleSize {
  readonly bytes: number;
  readonly gzipBytes: number;
}

export interface Bundles {
  readonly handlers: Record<HandlerName, BundleSize>;
  /** The file `cdk-app-secrets/runtime` resolved to, relative to the repository root. */
  readonly runtimeFile: string;
}

export const handlerBundle = (name: HandlerName): string => path.join(WORK, 'handlers', `${name}.js`);
export const adapterBundle = (name: AdapterName): string => path.join(WORK, 'adapters', `${name}.js`);

/** Bundles `entry` (relative to bench/) into `outfile`; returns the file `cdk-app-secrets/runtime` resolved to, if imported. */
function bundle(entry: string, outfile: string, minify: boolean): string | undefined {
  let metafile: Metafile;
  try {
    ({ metafile } = buildSync({
      entryPoints: [path.join(ROOT, 'bench', entry)],
      absWorkingDir: ROOT,
      outfile,
      bundle: true,
      minify,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external: ['@aws-sdk/*'],
      metafile: true,
      logLevel: 'silent',
    }));
  } catch (e) {
    throw new Error(`bundling bench/${entry} failed (is build/ there? run \`npx projen compile\`): ${e instanceof Error ? e.message : e}`);
  }
  const imported = Object.values(metafile.inputs).flatMap((input) => input.imports).find((i) => i.original === RUNTIME_SPECIFIER);
  if (!imported) return undefined;
  checkBuilt(imported.path, metafile);
  return imported.path;
}

/**
 * Refuses a bundle of our sources instead of the build, or of a build older than its sources (a
 * benchmark of code that is no longer there): each built file esbuild read is compared with the
 * lib/ file it was compiled from.
 */
function checkBuilt(runtimeFile: string, metafile: Metafile): void {
  if (!/^build\//.test(runtimeFile)) {
    throw new Error(`${RUNTIME_SPECIFIER} resolved to ${runtimeFile}, not to the build: check bench/tsconfig.json for a paths mapping`);
  }
  for (const input of Object.keys(metafile.inputs)) {
    const source = input.match(/^build\/(?:esm\/)?(.+)\.js$/);
    if (!source) continue;
    const ts = path.join(ROOT, 'lib', `${source[1]}.ts`);
    if (fs.existsSync(ts) && fs.statSync(ts).mtimeMs > fs.statSync(path.join(ROOT, input)).mtimeMs) {
      throw new Error(`${input} is older than lib/${source[1]}.ts: run \`npx projen compile\` before the benchmarks`);
    }
  }
}

const sizeOf = (file: string): BundleSize => {
  const code = fs.readFileSync(file);
  return { bytes: code.length, gzipBytes: gzipSync(code).length };
};

/** Builds every handler (minified: what a user deploys) and adapter (not minified); returns the handler sizes. */
export function buildBundles(): Bundles {
  const handlers = {} as Record<HandlerName, BundleSize>;
  let runtimeFile: string | undefined;
  for (const [name, file] of Object.entries(HANDLERS) as Array<[HandlerName, string]>) {
    runtimeFile = bundle(`handlers/${file}`, handlerBundle(name), true) ?? runtimeFile;
    handlers[name] = sizeOf(handlerBundle(name));
  }
  for (const name of ADAPTERS) bundle(`adapters/${name}.ts`, adapterBundle(name), false);
  if (!runtimeFile) throw new Error(`no handler imports ${RUNTIME_SPECIFIER}`);
  return { handlers, runtimeFile };
}
