/*
 * `npm start`: the loop a team lives, offline. Synthesizes the example app with the real CDK CLI,
 * "deploys" it to a local Secrets Manager endpoint (every AppSecret holds the placeholder
 * CloudFormation generates; the imported secret already exists), then runs the secrets CLI as a
 * team would: `list` shows the placeholders, a handler refuses one, `load` sets the dev stack's
 * secrets from example/local-secrets.json, `check` passes, and every bundled handler reads exactly
 * the loaded values (shown as fingerprints, never values). Exits non-zero on any surprise.
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { fingerprint } from './handlers/fingerprint';
import { invokeFunction, readCloudAssembly, seedSecrets, SynthesizedStack } from './local-loop';
import { FakeLambdaExtension, startFakeLambdaExtension } from '../test/support/fake-lambda-extension';
import { FakeSecretsManager, startFakeSecretsManager } from '../test/support/fake-secrets-manager';
import { cliCommand } from '../test/support/run-cli';

const root = path.join(__dirname, '..');
const outdir = path.join(root, 'cdk.out');
const region = 'us-east-1';
const localFile = path.join('example', 'local-secrets.json');
/** The dev stack is the one a team seeds from its local file. */
const devStack = 'Shop-dev';

async function main(): Promise<number> {
  console.log('$ npx cdk synth --quiet');
  const started = Date.now();
  execFileSync('npx', ['cdk', 'synth', '--quiet', '--output', outdir], { cwd: root, stdio: 'inherit' });
  console.log(`synthesized in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

  const localValues: Record<string, unknown> = JSON.parse(fs.readFileSync(path.join(root, localFile), 'utf8'));
  const endpoint = await startFakeSecretsManager({ region });
  let failures = 0;
  const expect = (ok: boolean, what: string) => {
    if (!ok) {
      failures++;
      console.log(`  UNEXPECTED: ${what}`);
    }
  };
  try {
    const stacks = readCloudAssembly(outdir);
    console.log('== deploy (simulated): every AppSecret gets its generated placeholder; partner-token already exists outside the app');
    for (const stack of stacks) seedSecrets(endpoint, stack, { 'partner-token': 'ptok_set_by_another_team_1' });
    console.log();

    expect(await cli(endpoint, ['list']) === 0, 'list failed');
    const dev = stacks.find((stack) => stack.stackName === devStack)!;
    expect(await placeholderRefused(dev, endpoint), 'the handler did not refuse the placeholder');
    expect(await cli(endpoint, ['check', '--stack', devStack]) === 1, 'check passed before the secrets were set');
    expect(await cli(endpoint, ['load', localFile, '--stack', devStack, '--dry-run']) === 0, 'load --dry-run failed');
    expect(await cli(endpoint, ['load', localFile, '--stack', devStack]) === 0, 'load failed');
    expect(await cli(endpoint, ['check', '--stack', devStack]) === 0, 'check failed after load');
    const extension = await startFakeLambdaExtension({ secretsManagerEndpoint: endpoint.endpoint });
    try {
      failures += await runHandlers(dev, endpoint, extension, localValues);
    } finally {
      await extension.close();
    }
  } finally {
    await endpoint.close();
  }
  console.log(failures === 0 ? 'local loop: the CLI set every secret, and every handler read what was loaded' : `local loop: ${failures} surprise(s)`);
  return failures === 0 ? 0 : 1;
}

/**
 * Runs `npx cdk-app-secrets ...` against the local endpoint, showing its output; resolves with the
 * exit code. Asynchronous: the endpoint answers from this process's event loop.
 */
async function cli(endpoint: FakeSecretsManager, args: string[]): Promise<number> {
  console.log(`$ npx cdk-app-secrets ${args.join(' ')}`);
  const { command, args: prefix } = cliCommand();
  const child = spawn(command, [...prefix, ...args], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.endpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      TS_NODE_PROJECT: path.join(root, 'tsconfig.json'),
      // The SDK's notice about future Node versions is not what this demo is about.
      NODE_NO_WARNINGS: '1',
    },
  });
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  console.log(`(exit ${status})\n`);
  return status ?? 1;
}

async function placeholderRefused(stack: SynthesizedStack, endpoint: FakeSecretsManager): Promise<boolean> {
  const checkout = stack.functions.find((fn) => fn.constructPath.includes('/Checkout/'))!;
  const outcome = await invokeFunction(checkout, { endpoint: endpoint.endpoint, region, event: { verifyWebhook: true } });
  console.log(`== ${stack.stackName} Checkout {verifyWebhook: true} before anyone set the secrets:`);
  console.log(`  ${outcome.error?.name}: ${outcome.error?.message}\n`);
  return !outcome.ok && outcome.error?.name === 'SecretPlaceholderError';
}

/** Invokes every handler of the stack and compares what it read with the local file, by fingerprint. */
async function runHandlers(stack: SynthesizedStack, endpoint: FakeSecretsManager, extension: FakeLambdaExtension,
  localValues: Record<string, unknown>): Promise<number> {
  const expected = (logicalName: string) => {
    const value = localValues[logicalName];
    return value === undefined ? undefined : fingerprint(typeof value === 'string' ? value : JSON.stringify(value));
  };
  let failures = 0;
  console.log(`== ${stack.stackName} handlers, after load`);
  const runs = stack.functions.map((fn) => ({ fn, event: {} as object, label: '' }));
  const checkout = stack.functions.find((fn) => fn.constructPath.includes('/Checkout/'))!;
  runs.push({ fn: checkout, event: { verifyWebhook: true }, label: ' {verifyWebhook: true}' });
  for (const { fn, event, label } of runs) {
    endpoint.resetCalls();
    extension.resetRequests();
    // A function with the Parameters and Secrets Lambda Extension talks to the local fake of it
    // (with a session token, as Lambda gives every function).
    const withExtension = fn.environment.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT !== undefined;
    const environmentOverrides = withExtension ? { ...extension.env } : {};
    const outcome = await invokeFunction(fn, { endpoint: endpoint.endpoint, region, event, environmentOverrides });
    console.log(`  ${fn.constructPath.split('/')[1]}${label}`);
    if (!outcome.ok) {
      console.log(`    FAILED: ${outcome.error?.name}: ${outcome.error?.message}`);
      failures++;
      continue;
    }
    for (const [key, got] of Object.entries<string>(outcome.result)) {
      const logicalName = key === 'webhookKey' ? 'webhook-signing-key' : key;
      const want = expected(logicalName);
      if (want === undefined) {
        console.log(`    ${key.padEnd(20)} ${got}`);
        continue;
      }
      if (got !== want) failures++;
      console.log(`    ${logicalName.padEnd(20)} sha256:${got}  ${got === want ? `matches ${localFile}` : `MISMATCH (file sha256:${want})`}`);
    }
    // The extension's own reads of Secrets Manager are unsigned; the SDK's carry their region.
    const sdkRequests = endpoint.requests.filter((r) => r.region !== undefined);
    const byOperation = new Map<string, number>();
    for (const r of sdkRequests) byOperation.set(r.operation, (byOperation.get(r.operation) ?? 0) + 1);
    const requests = [...byOperation].map(([operation, count]) => `${operation} x${count}`);
    console.log(`    transport: ${extension.requests.length > 0 ? `Lambda extension (${extension.requests.length} local request(s))` : 'AWS SDK'}; ` +
      `SDK requests to Secrets Manager: ${requests.join(', ') || 'none'}`);
  }
  console.log();
  return failures;
}

main().then((code) => process.exit(code), (error) => {
  console.error(error);
  process.exit(1);
});
