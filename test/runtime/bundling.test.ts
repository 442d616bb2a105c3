/*
 * A user's handler bundled the way NodejsFunction does on NODEJS_LATEST (esbuild, nothing external),
 * in CJS and in ESM, then run as Lambda runs it: from a directory where the AWS SDK cannot be resolved,
 * with the SDK only on NODE_PATH (Lambda puts /var/runtime/node_modules there).
 *
 * The runtime is compiled from lib/ as the build compiles it (TypeScript to CommonJS), into a temp dir.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import * as ts from 'typescript';
import { lambdaLikeEnv, root } from './helpers';
import { FakeSecretsManager, startFakeSecretsManager } from '../support/fake-secrets-manager';

let fake: FakeSecretsManager;
let work: string;
let lambdaNodePath: string;

/** Compile lib/runtime and what it imports from lib/ to CommonJS JavaScript under `outDir`, as the build does. */
function compileRuntime(outDir: string): void {
  const compilerOptions: ts.CompilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, strict: true };
  const files = ['env-contract.ts', ...readdirSync(path.join(root, 'lib', 'runtime')).map((f) => path.join('runtime', f))];
  for (const file of files) {
    const source = readFileSync(path.join(root, 'lib', file), 'utf8');
    const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: file });
    const target = path.join(outDir, file.replace(/\.ts$/, '.js'));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
}

/** Bundle a handler importing the compiled runtime; returns the bundle path and esbuild's warnings. */
async function bundle(format: 'cjs' | 'esm', external: string[] = []): Promise<{ file: string; warnings: string[] }> {
  const dir = path.join(work, `task-${format}${external.length ? '-external' : ''}`);
  mkdirSync(dir, { recursive: true });
  const entry = path.join(work, `handler-${format}.ts`);
  writeFileSync(entry, `
    import { getSecrets, getSecretJson } from './pkg/runtime';
    export const handler = async (event: { id: string; json?: boolean }) =>
      event.json ? JSON.stringify(await getSecretJson(event.id)) : (await getSecrets(event.id))[0];
  `);
  const file = path.join(dir, format === 'esm' ? 'index.mjs' : 'index.js');
  const result = await build({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node20', format, outfile: file, external, logLevel: 'silent' });
  return { file, warnings: result.warnings.map((w) => w.text) };
}

/** Run the bundle's handler once in a fresh Node process, as Lambda's runtime would load it. */
function invoke(file: string, event: object, env: NodeJS.ProcessEnv): Promise<{ ok: boolean; value?: string; code?: string; message?: string }> {
  // A module file, as Lambda's bootstrap (/var/runtime/index.mjs) is: not `node -e`, whose globals differ.
  const runner = path.join(work, 'runner.mjs');
  writeFileSync(runner, `
    const [file, event] = process.argv.slice(2);
    try {
      const m = await import(file);
      const handler = m.handler ?? m.default?.handler;
      try { console.log(JSON.stringify({ ok: true, value: await handler(JSON.parse(event)) })); }
      catch (e) { console.log(JSON.stringify({ ok: false, code: e.code, message: e.message })); }
    } catch (e) { console.log(JSON.stringify({ ok: false, code: 'ImportFailed', message: e.message })); }`);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [runner, file, JSON.stringify(event)], { cwd: path.dirname(file), env, encoding: 'utf8', timeout: 30_000 },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop();
        if (!line) return reject(new Error(`no output (${error?.message}): ${stderr}`));
        resolve(JSON.parse(line));
      });
  });
}

function lambdaEnv(file: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = lambdaLikeEnv(fake.endpoint, fake.region);
  delete env.NODE_OPTIONS; // no ts-node or jest hooks in the function's process
  return { ...env, NODE_PATH: lambdaNodePath, LAMBDA_TASK_ROOT: path.dirname(file), ...extra };
}

beforeAll(async () => {
  fake = await startFakeSecretsManager();
  work = mkdtempSync(path.join(tmpdir(), 'cdk-app-secrets-bundle-'));
  compileRuntime(path.join(work, 'pkg'));
  // Lambda's /var/runtime/node_modules: only the SDK, linked from this repository's install.
  lambdaNodePath = path.join(work, 'var-runtime-node_modules');
  mkdirSync(path.join(lambdaNodePath, '@aws-sdk'), { recursive: true });
  symlinkSync(path.join(root, 'node_modules', '@aws-sdk', 'client-secrets-manager'), path.join(lambdaNodePath, '@aws-sdk', 'client-secrets-manager'));
});

afterAll(async () => {
  await fake.close();
  rmSync(work, { recursive: true, force: true });
});

test('the temp dir really cannot resolve the SDK by itself', () => {
  expect(existsSync(path.join(tmpdir(), 'node_modules'))).toBe(false);
  expect(() => require.resolve('@aws-sdk/client-secrets-manager', { paths: [work] })).toThrow();
});

describe.each(['cjs', 'esm'] as const)('a handler bundled as %s with nothing external', (format) => {
  let file: string;
  let warnings: string[];

  beforeAll(async () => {
    ({ file, warnings } = await bundle(format));
  });

  test('bundles with no warning and without the SDK inside', () => {
    expect(warnings).toEqual([]);
    const code = readFileSync(file, 'utf8');
    expect(code).not.toContain('node_modules/@aws-sdk');
    expect(code).not.toContain('node_modules/@smithy');
  });

  test('reads a value with the SDK found on NODE_PATH, as on Lambda', async () => {
    fake.putSecret(`bundled-${format}`, `value-${format}`);
    expect(await invoke(file, { id: `bundled-${format}` }, lambdaEnv(file))).toEqual({ ok: true, value: `value-${format}` });
  });

  test('reads local values (node:fs) in local mode', async () => {
    const values = path.join(work, `local-${format}.json`);
    writeFileSync(values, JSON.stringify({ db: { password: 'local-pw' } }));
    const env = lambdaEnv(file, { CDK_APP_SECRETS_LOCAL_FILE: values });
    expect(await invoke(file, { id: 'db', json: true }, env)).toEqual({ ok: true, value: '{"password":"local-pw"}' });
  });

  test('without the SDK anywhere, a read rejects with SdkUnavailable', async () => {
    const env = lambdaEnv(file);
    delete env.NODE_PATH;
    expect(await invoke(file, { id: 'anything' }, env)).toMatchObject({ ok: false, code: 'SdkUnavailable' });
  });
});

test('an ESM bundle with @aws-sdk/* external (as older NodejsFunction defaults do) imports and reads too', async () => {
  const { file, warnings } = await bundle('esm', ['@aws-sdk/*']);
  expect(warnings).toEqual([]);
  fake.putSecret('bundled-esm-external', 'value-external');
  expect(await invoke(file, { id: 'bundled-esm-external' }, lambdaEnv(file))).toEqual({ ok: true, value: 'value-external' });
});
