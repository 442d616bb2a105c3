/*
 * Which secret the CLI reaches: a function that names a secret by its full ARN (random suffix
 * included) is checked by that ARN, as the function reads it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { expectNoValueIn } from './fixture';
import { FakeSecretsManager, startFakeSecretsManager } from '../support/fake-secrets-manager';
import { CliResult, runCli } from '../support/run-cli';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const PARTNER_VALUE = 'ptok_full_arn_value_01';

let outdir: string;
let endpoint: FakeSecretsManager;
let partnerArn: string;
const outputs: CliResult[] = [];

function inlineFunction(scope: Stack, id: string): lambda.Function {
  return new lambda.Function(scope, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => 1;') });
}

beforeAll(async () => {
  endpoint = await startFakeSecretsManager({ region: REGION, accountId: ACCOUNT });
  // Another team's secret in the same account, read by its complete ARN (as Secret.fromSecretCompleteArn gives it).
  partnerArn = endpoint.putSecret('team/partner-token', PARTNER_VALUE).arn;
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-app-secrets-cli-ids-'));
  const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true } });
  const reader = new Stack(app, 'Reader', { env: { account: ACCOUNT, region: REGION } });
  inlineFunction(reader, 'Fn').addEnvironment('PARTNER_TOKEN_SECRET_NAME', partnerArn);
  app.synth();
}, 120_000);

afterAll(async () => {
  await endpoint?.close();
  fs.rmSync(outdir, { recursive: true, force: true });
});

beforeEach(() => {
  endpoint.clearFaults();
  endpoint.resetCalls();
});

async function cli(args: readonly string[], stdin?: string): Promise<CliResult> {
  const env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.endpoint, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_PROFILE: undefined };
  const result = await runCli([args[0], '--app', outdir, ...args.slice(1)], { env, stdin });
  outputs.push(result);
  return result;
}

describe('a secret a function names by its full ARN', () => {
  test('check finds it set, reading it by that ARN', async () => {
    const result = await cli(['check', '--json', '--stack', 'Reader']);
    expect(result.code).toBe(0);
    const [row] = JSON.parse(result.stdout);
    expect(row).toMatchObject({ name: 'partner-token', secretName: 'team/partner-token', imported: true, status: 'set' });
    expect(endpoint.requests.map((r) => r.secretIds[0])).toEqual([partnerArn]);
  });

  test('set writes it by that ARN, whether named by logical name or by the ARN', async () => {
    for (const name of ['partner-token', partnerArn]) {
      const result = await cli(['set', name, '--stack', 'Reader'], 'ptok_written_by_arn_02');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^set partner-token: team\/partner-token, version /);
    }
    expect(endpoint.requests.filter((r) => r.operation === 'PutSecretValue').map((r) => r.secretIds[0])).toEqual([partnerArn, partnerArn]);
  });
});

test('no output of any run above contains a secret value', () => {
  expect(outputs.length).toBeGreaterThan(0);
  expectNoValueIn(outputs, [PARTNER_VALUE, 'ptok_written_by_arn_02']);
});
