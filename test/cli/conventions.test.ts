/*
 * The CLI's conventions and its errors before any secret is read: help, exit codes, colour,
 * progress, and clear messages for a missing assembly, stack, credentials, region or SDK.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { allValues, CliFixture, expectNoValueIn, startCliFixture } from './fixture';
import { cliCommand, runCli, runCliInPty } from '../support/run-cli';

let fx: CliFixture;
let tmp: string;

beforeAll(async () => {
  fx = await startCliFixture();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-app-secrets-cli-conv-'));
}, 120_000);

afterAll(async () => {
  await fx?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** An environment where the SDK finds no credentials and no region anywhere. */
function bareAwsEnv(): Record<string, string | undefined> {
  return {
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_REGION: undefined,
    AWS_DEFAULT_REGION: undefined,
    AWS_PROFILE: undefined,
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
    AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
    AWS_CONFIG_FILE: path.join(tmp, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(tmp, 'no-credentials'),
    HOME: tmp,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

describe('help and usage', () => {
  test.each(['list', 'check', 'set', 'load'])('%s --help prints its usage on stdout and exits 0', async (command) => {
    const result = await fx.cli([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: cdk-app-secrets ${command} `));
    expect(result.stderr).toBe('');
  });

  test.each(['set', 'load'])('%s --help shows --stack as optional, as it is when one stack has the secret', async (command) => {
    const result = await fx.cli([command, '--help']);
    expect(result.stdout.split('\n')[0]).toContain('[--stack STACK]');
  });

  test('--help and help list the commands', async () => {
    for (const args of [['--help'], ['help'], ['-h']]) {
      const result = await fx.cli(args);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Commands:\n\s+list .*\n\s+check .*\n\s+set .*\n\s+load /);
    }
    const topic = await fx.cli(['help', 'load']);
    expect(topic.stdout).toMatch(/^Usage: cdk-app-secrets load FILE/);
  });

  test('usage errors exit 2 on stderr with a pointer to --help, stdout empty', async () => {
    const cases: Array<[string[], string]> = [
      [[], 'Usage: cdk-app-secrets <command>'],
      [['lst'], "unknown command 'lst'; commands: list, check, set, load"],
      [['list', '--stak', 'Shop-dev'], "Unknown option '--stak'"],
      [['set', '--stack', 'Shop-dev'], 'set needs the NAME of the secret'],
      [['load', '--stack', 'Shop-dev'], 'load needs the FILE to read'],
      [['check', 'Shop-dev'], 'check takes no arguments'],
    ];
    for (const [args, message] of cases) {
      const result = await fx.cli(args);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(message);
    }
  });
});

describe('clear errors', () => {
  test('no assembly: says to run cdk synth first', async () => {
    const result = await fx.cli(['list', '--app', path.join(tmp, 'cdk.out')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no cloud assembly in');
    expect(result.stderr).toContain('Run `npx cdk synth`');
    const here = await runCli(['check'], { cwd: tmp, env: fx.env() });
    expect(here.code).toBe(1);
    expect(here.stderr).toMatch(/no cloud assembly in \S*cdk\.out /);
  });

  test('--app given the command that runs the app (as cdk.json\'s "app" and cdk --app take it) or its entry file: says --app takes a directory, and what to run', async () => {
    const entryFile = path.join(tmp, 'app.ts');
    fs.writeFileSync(entryFile, '// bin/app.ts\n');
    for (const app of ['npx ts-node --prefer-ts-exts bin/app.ts', entryFile]) {
      const result = await fx.cli(['list', '--app', app]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`--app takes a directory (the cloud assembly that cdk synth writes, such as cdk.out, or your CDK app's directory), not ${app === entryFile ? 'a file' : 'the command that runs the app'}`);
      expect(result.stderr).toContain(app === entryFile ? 'with npx cdk synth in the app\'s directory (it writes cdk.out), then pass --app cdk.out' : `npx cdk synth --app '${app}'`);
    }
  });

  test('the cdk synth line suggested for an --app command that has quotes of its own passes the command unchanged when pasted into a shell', async () => {
    const app = 'node -e \'require("./bin/app")\'';
    const result = await fx.cli(['list', '--app', app]);
    expect(result.code).toBe(1);
    const suggested = /e\.g\. npx cdk synth --app (.*) \(it writes cdk\.out\)/.exec(result.stderr)?.[1];
    expect(suggested).toBeDefined();
    // What the shell gives `cdk synth --app` for the pasted argument:
    expect(execFileSync('sh', ['-c', `printf %s ${suggested}`]).toString()).toBe(app);
  });

  test('without --app, the output directory set in cdk.json is read, where cdk synth writes it', async () => {
    const project = path.join(tmp, 'project-with-output');
    fs.mkdirSync(project, { recursive: true });
    fs.writeFileSync(path.join(project, 'cdk.json'), JSON.stringify({ app: 'npx ts-node bin/app.ts', output: 'build/assembly' }));
    fs.cpSync(fx.outdir, path.join(project, 'build', 'assembly'), { recursive: true });
    const result = await runCli(['list', '--json', '--stack', 'Shop-dev'], { cwd: project, env: fx.env() });
    expect(result.stderr).not.toContain('no cloud assembly');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveLength(4);
  });

  test('run from a subdirectory of the CDK app, or with --app at the app\'s directory, the app\'s assembly is read', async () => {
    const project = path.join(tmp, 'project-in-subdir');
    fs.mkdirSync(path.join(project, 'lib', 'handlers'), { recursive: true });
    fs.writeFileSync(path.join(project, 'cdk.json'), JSON.stringify({ app: 'npx ts-node bin/app.ts' }));
    fs.cpSync(fx.outdir, path.join(project, 'cdk.out'), { recursive: true });
    const fromSubdir = await runCli(['list', '--json', '--stack', 'Shop-dev'], { cwd: path.join(project, 'lib', 'handlers'), env: fx.env() });
    expect(fromSubdir.stderr).not.toContain('no cloud assembly');
    expect(fromSubdir.code).toBe(0);
    expect(JSON.parse(fromSubdir.stdout)).toHaveLength(4);
    const appDir = await runCli(['list', '--json', '--stack', 'Shop-dev', '--app', project], { cwd: tmp, env: fx.env() });
    expect(appDir.stderr).not.toContain('no cloud assembly');
    expect(appDir.code).toBe(0);
    expect(JSON.parse(appDir.stdout)).toHaveLength(4);
    // A directory below with an assembly of its own and no cdk.json (cdk synth --app ...) keeps its own.
    const inner = path.join(project, 'packages', 'other');
    fs.mkdirSync(path.join(inner, 'cdk.out'), { recursive: true });
    fs.writeFileSync(path.join(inner, 'cdk.out', 'manifest.json'), JSON.stringify({ version: '36.0.0', artifacts: {} }));
    const own = await runCli(['list', '--json'], { cwd: inner, env: fx.env() });
    expect(own.stderr).toContain('the cloud assembly has no stacks');
  });

  test('run from a monorepo\'s root, with the app in packages/infra, it names the app\'s directory to pass as --app instead of asking to synth again', async () => {
    const repo = path.join(tmp, 'monorepo');
    const infra = path.join(repo, 'packages', 'infra');
    fs.mkdirSync(path.join(repo, 'node_modules', 'some-tool'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'package.json'), JSON.stringify({ private: true, workspaces: ['packages/*'] }));
    fs.writeFileSync(path.join(repo, 'node_modules', 'some-tool', 'cdk.json'), '{}');
    fs.mkdirSync(infra, { recursive: true });
    fs.writeFileSync(path.join(infra, 'cdk.json'), JSON.stringify({ app: 'npx ts-node bin/app.ts' }));
    fs.cpSync(fx.outdir, path.join(infra, 'cdk.out'), { recursive: true });
    const fromRoot = await runCli(['list', '--json', '--stack', 'Shop-dev'], { cwd: repo, env: fx.env() });
    expect(fromRoot.code).toBe(1);
    expect(fromRoot.stderr).toContain('no cdk.json in this directory or above it');
    expect(fromRoot.stderr).toContain(`--app ${path.join('packages', 'infra')}`);
    expect(fromRoot.stderr).not.toContain('some-tool');
    const asSuggested = await runCli(['list', '--json', '--stack', 'Shop-dev', '--app', path.join('packages', 'infra')], { cwd: repo, env: fx.env() });
    expect(asSuggested.code).toBe(0);
    expect(JSON.parse(asSuggested.stdout)).toHaveLength(4);
  });

  test('an unknown stack lists the stacks there are', async () => {
    const result = await fx.cli(['list', '--stack', 'Shop-prod']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("no stack matches 'Shop-prod'. Stacks in the assembly: Shop-dev, Prod/Shop (Prod-Shop)");
  });

  test('no credentials: says how to configure them, once, not per secret', async () => {
    const result = await fx.cli(['list', '--stack', 'Shop-dev'], { env: { ...bareAwsEnv(), AWS_REGION: 'us-east-1' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.match(/no AWS credentials found/g)).toHaveLength(1);
    expect(result.stderr).toContain('AWS_PROFILE');
  });

  test('set without credentials or without a region says so before it asks for (or reads) the value', async () => {
    const noCredentials = await fx.cli(['set', 'stripe-api-key', '--stack', 'Prod/Shop'], { env: { ...bareAwsEnv(), AWS_REGION: 'us-east-1' }, stdin: fx.remember('x', 'sk_never_asked_for_1') });
    expect(noCredentials.code).toBe(1);
    expect(noCredentials.stderr).toContain('no AWS credentials found');
    expect(noCredentials.stderr).not.toContain('reading the value');
    const noRegion = await fx.cli(['set', 'stripe-api-key', '--stack', 'Shop-dev'], { env: { ...bareAwsEnv(), AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' }, stdin: fx.remember('x', 'sk_never_asked_for_2') });
    expect(noRegion.code).toBe(1);
    expect(noRegion.stderr).toContain('no AWS region for stack Shop-dev');
    expect(noRegion.stderr).not.toContain('reading the value');
  });

  test('AWS_PROFILE naming a profile that is not configured: says which profile, not that none is set', async () => {
    const result = await fx.cli(['list', '--stack', 'Shop-dev'], { env: { ...bareAwsEnv(), AWS_REGION: 'us-east-1', AWS_PROFILE: 'shop-prod-typo' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('AWS_PROFILE=shop-prod-typo gives no credentials');
    expect(result.stderr).toContain('aws configure list-profiles');
  });

  test('no region for an environment-agnostic stack: names the stack and AWS_REGION', async () => {
    const result = await fx.cli(['check', '--stack', 'Shop-dev'], { env: { ...bareAwsEnv(), AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no AWS region for stack Shop-dev');
    expect(result.stderr).toContain('Set AWS_REGION');
  });

  test('no SDK installed: says exactly what to install', async () => {
    // A copy of the executable outside this repository, in a project without node_modules.
    const { args, compiled } = cliCommand();
    const sourceDir = path.resolve(args[args.length - 1], '..', '..');
    const project = path.join(tmp, 'project-without-sdk');
    fs.cpSync(sourceDir, path.join(project, 'pkg'), { recursive: true });
    const entry = path.join(project, 'pkg', 'cli', compiled ? 'main.js' : 'main.ts');
    const result = await runCli(['list', '--app', fx.outdir], { cwd: project, entry, env: { ...fx.env(), NODE_PATH: undefined } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('npm install --save-dev @aws-sdk/client-secrets-manager');
  });
});

describe('terminal conventions', () => {
  test('on a terminal, statuses are coloured and progress is shown for a long list', async () => {
    const result = await runCliInPty(['list', '--app', fx.outdir], { env: fx.env() });
    fx.outputs.push(result);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('\u001b[33mplaceholder\u001b[39m');
    expect(result.stdout).toContain('checking secrets 8/8');
  });

  test('NO_COLOR turns colour off on a terminal', async () => {
    const result = await runCliInPty(['list', '--app', fx.outdir], { env: fx.env({ NO_COLOR: '1' }) });
    fx.outputs.push(result);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('placeholder');
    expect(result.stdout).not.toMatch(/\u001b\[3\dm/);
  });

  test('piped output has no colour and no progress', async () => {
    const result = await fx.cli(['list']);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('\u001b[');
    expect(result.stderr).not.toContain('checking secrets');
  });
});

test('no output of any run above contains a secret value', () => {
  expectNoValueIn(fx.outputs, allValues(fx));
});
