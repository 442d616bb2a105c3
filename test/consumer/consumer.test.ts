/*
 * The package as a new user meets it: packed, installed with plain `npm install` into an app shaped
 * like `cdk init`'s output (its tsconfig, its cdk.json feature flags), once on the lowest
 * aws-cdk-lib and constructs the peer range allows and once on the newest 2.x, then type-checked
 * without skipLibCheck, synthesized with the CDK CLI, and each bundled handler from cdk.out run
 * against a local Secrets Manager endpoint with its template's environment.
 *
 * Needs the built package (`npm run compile`) and the npm registry; run with `npm run test:consumer`.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { CDK_INIT_JEST_CONFIG, CommandResult, ConsumerVersions, createConsumerApp, newestOnRegistry, packedFiles, packSummary, packTarball, peerFloor, runInApp, runInAppAsync } from './consumer-app';
import { importedPackages, pasteSnippets, readmeSnippets } from './readme-snippets';
import { invokeFunction, readCloudAssembly, seedSecrets, SynthesizedStack } from '../../example/local-loop';
import { FakeSecretsManager, startFakeSecretsManager } from '../support/fake-secrets-manager';
import { shakenOut, UNUSED_BY_ONE_SECRET } from '../support/tree-shaking';

const region = 'us-east-1';
const apiKeyValue = 'ak_consumer_7f2c9b1e44';
const fingerprint = (value: string): string => createHash('sha256').update(value).digest('hex').slice(0, 16);
/** What the CDK CLI and esbuild print for a warning. */
const WARNING = /\[Warning at|\[WARNING\]|▲/;

describe('the README', () => {
  test('states the peer ranges package.json declares', () => {
    const peers = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')).peerDependencies;
    const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    expect(readme).toContain(`Peer dependencies: \`aws-cdk-lib\` ${peers['aws-cdk-lib']} and \`constructs\` ${peers.constructs}`);
  });
});

describe('the packed tarball', () => {
  const summary = packSummary();
  const files = packedFiles(summary);

  test('has the file count and sizes the README states (sizes within 5%)', () => {
    const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8').replace(/\s+/g, ' ');
    const stated = /(\d+) files, (\d+) kB packed, (\d+) kB unpacked \(as `npm pack` counts\), of which the jsii assembly `\.jsii` is (\d+) kB, `API\.md` (\d+) kB and the runtime's ES module build (\d+) kB/.exec(readme);
    expect(stated).not.toBeNull();
    const kB = (test: (p: string) => boolean) => summary.files.filter((f) => test(f.path)).reduce((sum, f) => sum + f.size, 0) / 1000;
    const measured: Array<[string, number]> = [
      ['files', summary.files.length], ['kB packed', summary.size / 1000], ['kB unpacked', summary.unpackedSize / 1000],
      ['kB .jsii', kB((p) => p === '.jsii')], ['kB API.md', kB((p) => p === 'API.md')], ['kB ES module build', kB((p) => p.startsWith('build/esm/'))],
    ];
    // Every number to update at once, each with what npm pack counts.
    const wrong = measured.map(([what, value], i) => ({ what, value, said: Number(stated![i + 1]) }))
      .filter(({ what, value, said }) => what === 'files' ? said !== value : Math.abs(said - value) > 0.05 * value)
      .map(({ what, value, said }) => `${what}: README ${said}, npm pack ${Number(value.toFixed(1))}`);
    expect(wrong).toEqual([]);
  });

  test('ships compiled JavaScript, declarations, the jsii assembly and the docs', () => {
    expect(files).toEqual(expect.arrayContaining(['build/index.js', 'build/index.d.ts', 'build/runtime/index.js', 'build/runtime/index.d.ts',
      'build/esm/runtime/index.js', 'build/esm/env-contract.js', '.jsii', 'API.md', 'README.md', 'LICENSE', 'package.json']));
  });

  test('ships no sources, tests, benchmarks, example, CI files or build products of npm start', () => {
    const unwanted = files.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts') || /^(lib|test|bench|example|\.ci|cdk\.out|dist|coverage)\//.test(f) || /^(cdk\.json|tsconfig.*\.json|\.projenrc\.ts)$/.test(f));
    expect(unwanted).toEqual([]);
  });

  test('ships no source maps, inline or separate', () => {
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    const inline = files.filter((f) => f.endsWith('.js')).filter((f) => fs.readFileSync(path.join(__dirname, '../..', f), 'utf8').includes('sourceMappingURL'));
    expect(inline).toEqual([]);
  });

  test('main, types and exports point at files that ship', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
    const targets = [pkg.main, pkg.types, ...Object.values(pkg.exports['.']), ...Object.values(pkg.exports['./runtime']),
      ...pkg.typesVersions['*'].runtime].map((p) => String(p).replace(/^\.\//, ''));
    expect(targets.filter((t: string) => !files.includes(t))).toEqual([]);
  });
});

const versionSets: ConsumerVersions[] = [peerFloor(), newestOnRegistry()];

describe.each(versionSets)('a cdk init app on aws-cdk-lib $awsCdkLib and constructs $constructs ($label)', (versions) => {
  let appDir: string;
  let synth: CommandResult;
  let stacks: SynthesizedStack[];
  let endpoint: FakeSecretsManager;
  let seeded: Map<string, string>;
  let pastedSnippets: number[];
  const snippets = readmeSnippets(path.join(__dirname, '../../README.md'));

  beforeAll(async () => {
    appDir = createConsumerApp(versions, packTarball());
    pastedSnippets = pasteSnippets(appDir, snippets);
    synth = runInApp(appDir, 'cdk', ['synth', '--quiet']);
    stacks = synth.status === 0 ? readCloudAssembly(path.join(appDir, 'cdk.out')) : [];
    endpoint = await startFakeSecretsManager({ region });
    seeded = new Map();
    for (const stack of stacks) {
      for (const [name, value] of seedSecrets(endpoint, stack, { 'api-key': apiKeyValue })) seeded.set(name, value);
    }
  }, 900_000);

  afterAll(async () => {
    await endpoint?.close();
    if (appDir) fs.rmSync(appDir, { recursive: true, force: true });
  });

  test('installs without the AWS SDK: Lambda provides it', () => {
    expect(fs.existsSync(path.join(appDir, 'node_modules', '@aws-sdk', 'client-secrets-manager'))).toBe(false);
  });

  if (versions.extraDependencies) {
    test('takes every TypeScript snippet of the README', () => {
      expect(pastedSnippets).toEqual(snippets.map((s) => s.line));
    });
  }

  test('type-checks with cdk init\'s tsconfig (node10 resolution, no skipLibCheck)', () => {
    const tsconfig = JSON.parse(fs.readFileSync(path.join(appDir, 'tsconfig.json'), 'utf8'));
    expect(tsconfig.compilerOptions.skipLibCheck).toBeUndefined();
    expect(runInApp(appDir, 'tsc', ['--noEmit'])).toMatchObject({ status: 0, output: '' });
  }, 300_000);

  test.each([
    ['node16', ['--module', 'node16', '--moduleResolution', 'node16']],
    ['nodenext', ['--module', 'nodenext', '--moduleResolution', 'nodenext']],
    ['bundler', ['--module', 'esnext', '--moduleResolution', 'bundler']],
  ])('type-checks with %s module resolution', (_resolution, flags) => {
    expect(runInApp(appDir, 'tsc', ['--noEmit', ...flags])).toMatchObject({ status: 0, output: '' });
  }, 300_000);

  test('synthesizes with the CDK CLI, with no warning from CDK or esbuild', () => {
    // The output, not only the status, so that a failure shows why.
    expect(synth.status === 0 ? 'exit 0' : synth.output).toBe('exit 0');
    expect(synth.output).not.toMatch(WARNING);
    expect(stacks.map((s) => s.stackName)).toEqual(expect.arrayContaining(['ConsumerSecrets', 'ConsumerApi']));
  });

  test('each bundled handler (NODEJS_LATEST default, 22.x, 20.x, ESM) reads its secrets with the SDK that Lambda provides', async () => {
    const all = stacks.find((s) => s.stackName === 'ConsumerApi')!.functions;
    expect(all.map((f) => f.constructPath.split('/')[1]).sort()).toEqual(['ReadDefaults', 'ReadEsm', 'ReadNode20', 'ReadNode22', 'ReadOne']);
    const functions = all.filter((f) => !f.constructPath.includes('/ReadOne/'));
    expect(functions.find((f) => f.constructPath.includes('/ReadEsm/'))!.handlerFile).toMatch(/\.mjs$/);
    const db = JSON.parse([...seeded].find(([name]) => name.endsWith('/db-credentials'))![1]);
    for (const fn of functions) {
      const outcome = await invokeFunction(fn, { endpoint: endpoint.endpoint, region });
      console.log(`${fn.constructPath}: ${JSON.stringify(outcome.result ?? outcome.error)}`);
      expect(outcome.error).toBeUndefined();
      expect(outcome.result).toEqual({ 'api-key': fingerprint(apiKeyValue), 'db-user': 'app', 'db-password': fingerprint(db.password) });
      expect(outcome.output).not.toContain(apiKeyValue);
      expect(outcome.output).not.toContain(db.password);
    }
  }, 120_000);

  test('each README handler snippet that imports only the runtime runs, bundled as a NodejsFunction granted the secrets it reads', async () => {
    const runnable = snippets.filter((s) => s.kind === 'handler' && importedPackages(s).every((pkg) => pkg === 'cdk-app-secrets'));
    const readmeStacks = stacks.filter((s) => /^ReadmeHandler\d+$/.test(s.stackName));
    expect(readmeStacks.map((s) => s.functions.length)).toEqual(runnable.map(() => 1));
    // A value both getSecrets and getSecretJson take, also as the pending version rotation code reads.
    const password = 'readme-password-5b1d0c';
    const value = JSON.stringify({ username: 'readme-user', password, host: 'localhost' });
    for (const stack of readmeStacks) {
      for (const secret of stack.secrets) {
        endpoint.putSecret(secret.name, value);
        endpoint.putSecret(secret.name, value, { versionStage: 'AWSPENDING' });
      }
      const outcome = await invokeFunction(stack.functions[0], { endpoint: endpoint.endpoint, region });
      expect(outcome.error === undefined ? 'ran' : `${stack.stackName}: ${outcome.error.name}: ${outcome.error.message}`).toBe('ran');
      expect(outcome.output).not.toContain(password);
    }
  }, 120_000);

  test('a one-secret handler\'s bundle comes from the package\'s ES module build, tree-shaken, and reads its secret', async () => {
    const fn = stacks.find((s) => s.stackName === 'ConsumerApi')!.functions.find((f) => f.constructPath.includes('/ReadOne/'))!;
    const code = fs.readFileSync(fn.handlerFile, 'utf8');
    console.log(`one-secret handler from the installed package (${versions.label}): ${code.length} B minified, ${gzipSync(code).length} B gzipped`);
    const meta = JSON.parse(fs.readFileSync(path.join(path.dirname(fn.handlerFile), 'index.meta.json'), 'utf8'));
    const fromPackage = Object.keys(meta.inputs).filter((f) => f.includes('node_modules/cdk-app-secrets/')).map((f) => f.split('node_modules/cdk-app-secrets/')[1]);
    expect(fromPackage).toContain('build/esm/runtime/index.js');
    expect(fromPackage.filter((f) => !f.startsWith('build/esm/'))).toEqual([]);
    for (const { module, marker } of UNUSED_BY_ONE_SECRET) {
      expect(fs.readFileSync(path.join(appDir, 'node_modules/cdk-app-secrets/build/runtime', module), 'utf8')).toContain(marker);
      expect(shakenOut(code, marker)).toBe('shaken out');
    }
    const outcome = await invokeFunction(fn, { endpoint: endpoint.endpoint, region });
    expect(outcome.error).toBeUndefined();
    expect(outcome.result).toEqual({ 'api-key': fingerprint(apiKeyValue) });
  }, 120_000);

  if (versions.extraDependencies) {
    const awsEnv = () => ({ AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.endpoint, AWS_REGION: region, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });

    // After the handlers ran: from here on the app has the SDK, as a user's app with the CLI would.
    test('npx cdk-app-secrets without the SDK says exactly what to install', async () => {
      const list = await runInAppAsync(appDir, 'cdk-app-secrets', ['list'], awsEnv());
      expect(list.status).toBe(1);
      expect(list.output).toContain('npm install --save-dev @aws-sdk/client-secrets-manager');
    });

    test('npx cdk-app-secrets lists the app\'s secrets, their status and their readers once the SDK is installed', async () => {
      runInApp(appDir, 'npm', ['install', '--save-dev', '@aws-sdk/client-secrets-manager@^3'], { npm_config_audit: 'false', npm_config_fund: 'false' });
      const list = await runInAppAsync(appDir, 'cdk-app-secrets', ['list', '--json', '--stack', 'ConsumerSecrets'], awsEnv());
      expect(list).toMatchObject({ status: 0 });
      const secrets = JSON.parse(list.stdout);
      expect(secrets.map((s: any) => [s.name, s.status, s.functions.length])).toEqual([['api-key', 'set', 5], ['db-credentials', 'set', 4]]);
      expect(list.output).not.toContain(apiKeyValue);
    }, 300_000);

    test('a handler\'s unit test in cdk init\'s Jest that mocks the SDK with jest.mock gets the mock, not AWS', async () => {
      fs.writeFileSync(path.join(appDir, 'jest.config.js'), CDK_INIT_JEST_CONFIG);
      fs.mkdirSync(path.join(appDir, 'test'), { recursive: true });
      fs.writeFileSync(path.join(appDir, 'test', 'read-one.test.ts'), [
        "import { handler } from '../lambda/read-one';",
        '',
        "jest.mock('@aws-sdk/client-secrets-manager', () => ({",
        "  ...jest.requireActual('@aws-sdk/client-secrets-manager'),",
        '  SecretsManagerClient: class {',
        "    readonly config = { region: 'eu-west-1' };",
        "    async send(command: { input: { SecretId: string } }) { return { Name: command.input.SecretId, SecretString: 'from-the-mock' }; }",
        '    destroy() {}',
        '  },',
        '}));',
        '',
        "test('reads the mocked value', async () => {",
        "  process.env.API_KEY_SECRET_NAME = 'ConsumerSecrets/dev/api-key';",
        "  expect(await handler()).toEqual({ 'api-key': '" + fingerprint('from-the-mock') + "' });",
        '});',
        '',
      ].join('\n'));
      // Were the real SDK loaded, it would read the seeded value from the local endpoint, never AWS.
      const jest = await runInAppAsync(appDir, 'jest', ['--ci'], awsEnv());
      expect(jest.status === 0 ? 'exit 0' : jest.output).toBe('exit 0');
    }, 300_000);
  }
});
