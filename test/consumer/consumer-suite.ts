/*
 * The package as a new user meets it: packed, installed with plain `npm install` into an app shaped
 * like `cdk init`'s output (its tsconfig, its cdk.json feature flags), on one set of aws-cdk-lib and
 * constructs versions (floor-app.test.ts, newest-app.test.ts), then type-checked
 * without skipLibCheck, synthesized with the CDK CLI, and each bundled handler from cdk.out run
 * against a local Secrets Manager endpoint with its template's environment.
 *
 * Needs the built package (`npm run compile`) and the npm registry; run with `npm run test:consumer`.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { CDK_INIT_JEST_CONFIG, CommandResult, ConsumerVersions, createConsumerApp, packTarball, runInApp, runInAppAsync } from './consumer-app';
import { importedPackages, pasteSnippets, readmeSnippets } from './readme-snippets';
import { invokeFunction, readCloudAssembly, seedSecrets, SynthesizedStack } from '../../example/local-loop';
import { FakeSecretsManager, startFakeSecretsManager } from '../support/fake-secrets-manager';
import { shakenOut, UNUSED_BY_ONE_SECRET } from '../support/tree-shaking';

const region = 'us-east-1';
const apiKeyValue = 'ak_consumer_7f2c9b1e44';
const fingerprint = (value: string): string => createHash('sha256').update(value).digest('hex').slice(0, 16);
/** What the CDK CLI and esbuild print for a warning. */
const WARNING = /\[Warning at|\[WARNING\]|▲/;

/**
 * The module resolutions a user may switch the app's tsconfig to, beside cdk init's node10: each
 * finds `cdk-app-secrets/runtime` through a different part of package.json (`exports` conditions,
 * `typesVersions`). node16 is left out: with the TypeScript cdk init writes it resolves as nodenext.
 */
export const OTHER_MODULE_RESOLUTIONS: ReadonlyArray<[string, string[]]> = [
  ['nodenext', ['--module', 'nodenext', '--moduleResolution', 'nodenext']],
  ['bundler', ['--module', 'esnext', '--moduleResolution', 'bundler']],
];

export interface ConsumerSuiteOptions {
  /** Module resolutions to type-check with, beside cdk init's node10. */
  readonly otherModuleResolutions: ReadonlyArray<[string, string[]]>;
}

/**
 * The tests of one cdk init app on one set of versions. Each app is its own test file, so that
 * Jest runs the two apps side by side (npm install and tsc take most of the time).
 */
export function describeConsumerApp(versions: ConsumerVersions, options: ConsumerSuiteOptions): void {
  describe(`a cdk init app on aws-cdk-lib ${versions.awsCdkLib} and constructs ${versions.constructs} (${versions.label})`, () => {
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

    if (options.otherModuleResolutions.length > 0) {
      test.each([...options.otherModuleResolutions])('type-checks with %s module resolution', (_resolution, flags) => {
        expect(runInApp(appDir, 'tsc', ['--noEmit', ...flags])).toMatchObject({ status: 0, output: '' });
      }, 300_000);
    }

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
}
