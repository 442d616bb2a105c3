/*
 * `cdk-app-secrets/runtime` as a user's NodejsFunction meets it: from the packed tarball, unpacked
 * into node_modules as `npm install` lays it out, bundled by the esbuild in node_modules with the
 * arguments CDK passes (aws-lambda-nodejs/lib/bundling.js: `--platform=node`, `--target=node<N>`,
 * `--format` when set, `--minify` when set, `--main-fields` only when the user sets mainFields).
 * esbuild tree-shakes ES modules only: the package's `module` export condition must take bundlers to
 * the ES module build (build/esm/), while Node itself keeps loading the CommonJS build.
 *
 * Needs the built package (`npm run compile`, which `npm run build` runs before the tests).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build, Format } from 'esbuild';
import { lambdaLikeEnv, root } from './helpers';
import { secretEnvKey } from '../../lib/env-contract';
import { FakeSecretsManager, startFakeSecretsManager } from '../support/fake-secrets-manager';
import { shakenOut, UNUSED_BY_ONE_SECRET } from '../support/tree-shaking';

/** The handler the issue measures: one secret, read by the names AppSecret wires. */
const ONE_SECRET_HANDLER = `
  import { getEnv, getSecrets } from 'cdk-app-secrets/runtime';
  export async function handler(): Promise<string> {
    const [apiKey] = await getSecrets(getEnv('api-key'));
    return apiKey;
  }
`;

let work: string;
let app: string;
let installed: string;

interface Bundle {
  readonly file: string;
  readonly code: string;
  /** The package's files esbuild read, relative to the installed package. */
  readonly packageInputs: string[];
}

/** Bundle `entry` (relative to the app) as NodejsFunction does: minified, nothing external (NODEJS_LATEST). */
async function bundle(entry: string, format: Format, mainFields?: string[]): Promise<Bundle> {
  const file = path.join(work, 'out', `${path.basename(entry)}-${format}-${mainFields?.join('-') ?? 'default'}.${format === 'esm' ? 'mjs' : 'js'}`);
  const result = await build({
    entryPoints: [path.join(app, entry)],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format,
    mainFields,
    minify: true,
    outfile: file,
    metafile: true,
    logLevel: 'silent',
  });
  const prefix = path.relative(process.cwd(), installed) + path.sep;
  const packageInputs = Object.keys(result.metafile.inputs).filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length));
  return { file, code: readFileSync(file, 'utf8'), packageInputs };
}

beforeAll(() => {
  if (!existsSync(path.join(root, 'build', 'runtime', 'index.js'))) throw new Error('The package is not built: run `npm run compile` first');
  work = mkdtempSync(path.join(tmpdir(), 'cdk-app-secrets-esm-'));
  app = path.join(work, 'app');
  installed = path.join(app, 'node_modules', 'cdk-app-secrets');
  mkdirSync(installed, { recursive: true });
  const [{ filename }] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  execFileSync('tar', ['-xzf', path.join(work, filename), '-C', installed, '--strip-components=1']);
  writeFileSync(path.join(app, 'one-secret.ts'), ONE_SECRET_HANDLER);
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball ships an ES module twin of every CommonJS runtime module', () => {
  const cjs = execFileSync('find', ['build/runtime', 'build/env-contract.js', '-name', '*.js'], { cwd: installed, encoding: 'utf8' }).split('\n').filter(Boolean).sort();
  expect(cjs.length).toBeGreaterThan(10);
  const missing = cjs.map((f) => f.replace(/^build\//, 'build/esm/')).filter((f) => !existsSync(path.join(installed, f)));
  expect(missing).toEqual([]);
  expect(readFileSync(path.join(installed, 'build/esm/runtime/index.js'), 'utf8')).toMatch(/^export \{/m);
});

// Formats NodejsFunction produces: CJS (its default), ESM, and ESM with the mainFields CDK's docs
// suggest for ESM output. Measured sizes are printed: what a user deploys for one secret.
describe.each([
  ['cjs', undefined],
  ['esm', undefined],
  ['esm', ['module', 'main']],
] as Array<[Format, string[] | undefined]>)('a one-secret handler bundled as %s (mainFields %j) from the installed package', (format, mainFields) => {
  let result: Bundle;

  beforeAll(async () => {
    result = await bundle('one-secret.ts', format, mainFields);
    console.log(`one-secret handler, ${format}, mainFields ${mainFields?.join(',') ?? 'default'}: ${result.code.length} B minified`);
  });

  test('comes from the ES module build, not the CommonJS one', () => {
    expect(result.packageInputs).toContain('build/esm/runtime/index.js');
    expect(result.packageInputs.filter((f) => !f.startsWith('build/esm/'))).toEqual([]);
  });

  test.each(UNUSED_BY_ONE_SECRET)('is tree-shaken: holds nothing of $module', ({ module, marker }) => {
    // The marker is in the package (in both builds), so its absence from the bundle means it was shaken out.
    expect(readFileSync(path.join(installed, 'build/runtime', module), 'utf8')).toContain(marker);
    expect(shakenOut(result.code, marker)).toBe('shaken out');
  });
});

test('require() and import of the runtime in one bundle resolve to the same ES module build: one copy of its state', async () => {
  // A handler importing the runtime, and a CommonJS dependency of it requiring the runtime too.
  mkdirSync(path.join(app, 'node_modules', 'cjs-dependency'), { recursive: true });
  writeFileSync(path.join(app, 'node_modules', 'cjs-dependency', 'index.js'), "exports.read = (id) => require('cdk-app-secrets/runtime').getSecrets(id)[0];\n");
  writeFileSync(path.join(app, 'mixed.ts'), `
    import { clearSecretCache } from 'cdk-app-secrets/runtime';
    import { read } from 'cjs-dependency';
    export const handler = async () => { clearSecretCache(); return read('x'); };
  `);
  const result = await bundle('mixed.ts', 'cjs');
  expect(result.packageInputs).toContain('build/esm/runtime/index.js');
  expect(result.packageInputs.filter((f) => !f.startsWith('build/esm/'))).toEqual([]);
});

describe('the bundle from the ES module build, run as Lambda runs it', () => {
  let fake: FakeSecretsManager;
  beforeAll(async () => {
    fake = await startFakeSecretsManager();
  });
  afterAll(async () => fake.close());

  test.each(['cjs', 'esm'] as Format[])('reads its secret when bundled as %s (guard: the CommonJS build read it too)', async (format) => {
    const { file } = await bundle('one-secret.ts', format);
    fake.putSecret(`one-${format}`, `value-${format}`);
    // Lambda's /var/runtime/node_modules holds the SDK; NODE_PATH points there.
    const sdkOnly = path.join(work, 'var-runtime-node_modules');
    if (!existsSync(sdkOnly)) {
      mkdirSync(path.join(sdkOnly, '@aws-sdk'), { recursive: true });
      symlinkSync(path.join(root, 'node_modules', '@aws-sdk', 'client-secrets-manager'), path.join(sdkOnly, '@aws-sdk', 'client-secrets-manager'));
    }
    const env: NodeJS.ProcessEnv = { ...lambdaLikeEnv(fake.endpoint, fake.region), NODE_PATH: sdkOnly, [secretEnvKey('api-key')]: `one-${format}` };
    delete env.NODE_OPTIONS;
    const runner = `const m = await import(${JSON.stringify(file)}); console.log(await (m.handler ?? m.default.handler)());`;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', runner], { cwd: path.dirname(file), env, encoding: 'utf8', timeout: 30_000 },
        (error, out, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(out)));
    });
    expect(stdout.trim()).toBe(`value-${format}`);
  });
});

test('Node without a bundler loads the CommonJS build, for require() and for import (guard: unchanged from before)', () => {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
    import { createRequire } from 'node:module';
    const require = createRequire(process.cwd() + '/noop.js');
    const r = require('cdk-app-secrets/runtime');
    const m = await import('cdk-app-secrets/runtime');
    console.log(JSON.stringify({
      required: require.resolve('cdk-app-secrets/runtime'), imported: import.meta.resolve('cdk-app-secrets/runtime'),
      getSecrets: [typeof r.getSecrets, typeof m.getSecrets],
    }));`], { cwd: app, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  const cjs = path.join(installed, 'build', 'runtime', 'index.js');
  expect(JSON.parse(out)).toEqual({ required: cjs, imported: `file://${cjs}`, getSecrets: ['function', 'function'] });
});
