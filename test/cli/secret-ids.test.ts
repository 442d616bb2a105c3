/*
 * Which secret the CLI reaches: a function that names a secret by its full ARN (random suffix
 * included) is checked by that ARN, as the function reads it; a stack in another account than the
 * credentials' is never served by a same-named secret of the credentials' account.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { expectNoValueIn, startForeignEndpoint } from './fixture';
import { AppSecret } from '../../lib';
import { FakeSecretsManager, startFakeSecretsManager } from '../support/fake-secrets-manager';
import { CliResult, runCli } from '../support/run-cli';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const PARTNER_VALUE = 'ptok_full_arn_value_01';
/** The account of the Prod stack; the credentials (the fake's caller) are in ACCOUNT. */
const PROD_ACCOUNT = '999999999999';
const DEV_VALUE = 'dev_real_value_of_prod_name_02';

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
  // A name ending like a random suffix (`-client`) is looked up by name, which means the credentials' account.
  const prod = new Stack(app, 'Prod', { env: { account: PROD_ACCOUNT, region: REGION } });
  new AppSecret(prod, 'OAuth', { name: 'oauth-client', secretName: 'Prod/prod/oauth-client', nameOutput: false });
  endpoint.putSecret('Prod/prod/oauth-client', JSON.stringify({ cdkAppSecretsPlaceholder: 'not set yet' }), { accountId: PROD_ACCOUNT });
  endpoint.putSecret('Prod/prod/oauth-client', DEV_VALUE);
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

async function cli(args: readonly string[], stdin?: string, extraEnv: Record<string, string> = {}): Promise<CliResult> {
  const env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.endpoint, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_PROFILE: undefined, ...extraEnv };
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

describe('a stack in another account than the credentials\'', () => {
  test('check reports the account mismatch instead of the status of the credentials\' same-named secret', async () => {
    const result = await cli(['check', '--json', '--stack', 'Prod']);
    expect(result.code).toBe(1);
    const [row] = JSON.parse(result.stdout);
    expect(row).toMatchObject({ name: 'oauth-client', status: 'error', errorCode: 'AccountMismatch' });
    expect(row.detail).toContain(`account ${ACCOUNT}`);
    expect(row.detail).toContain(`not the stack's account ${PROD_ACCOUNT}`);
    const text = await cli(['check', '--stack', 'Prod']);
    expect(text.stdout).toContain(`use credentials for account ${PROD_ACCOUNT}`);
    expect(text.stdout).not.toContain('run check again');
  });

  test('set refuses to write the credentials\' same-named secret, before asking for a value', async () => {
    const result = await cli(['set', 'oauth-client', '--stack', 'Prod'], 'prod_value_never_written_03');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`not set: oauth-client (Prod/prod/oauth-client): your credentials reach it in account ${ACCOUNT}, not the stack's account ${PROD_ACCOUNT}`);
    expect(result.stderr).not.toContain('reading the value');
    expect(endpoint.calls.PutSecretValue).toBe(0);
  });

  test('set against an endpoint that never answers: one wait for the account check, then it fails before asking for a value', async () => {
    endpoint.injectFault({ kind: 'hang' });
    const result = await cli(['set', 'oauth-client', '--stack', 'Prod'], 'prod_value_never_sent_05', { CDK_APP_SECRETS_REQUEST_TIMEOUT_MS: '300' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`not set: oauth-client (Prod/prod/oauth-client): no answer from Secrets Manager in account ${PROD_ACCOUNT}, region ${REGION} within 0.3 s`);
    expect(result.stderr).toContain('nothing was written');
    expect(result.stderr).not.toContain('reading the value');
    expect(endpoint.requests.map((r) => r.operation)).not.toContain('PutSecretValue');
  }, 30_000);

  test('set against an endpoint that is not Secrets Manager, or that nobody listens on: fails on the account check, before asking for a value', async () => {
    const portal = await startForeignEndpoint(403, '<html>Sign in to the guest network</html>');
    const closed = await startForeignEndpoint(200, '{}');
    await closed.close();
    try {
      const page = await cli(['set', 'oauth-client', '--stack', 'Prod'], 'prod_value_never_sent_06', { AWS_ENDPOINT_URL_SECRETS_MANAGER: portal.endpoint });
      expect(page.code).toBe(1);
      expect(page.stderr).toContain('not set: oauth-client (Prod/prod/oauth-client): the endpoint for Secrets Manager in account 999999999999');
      expect(page.stderr).not.toContain('reading the value');
      const refused = await cli(['set', 'oauth-client', '--stack', 'Prod'], 'prod_value_never_sent_07', { AWS_ENDPOINT_URL_SECRETS_MANAGER: closed.endpoint });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('not set: oauth-client (Prod/prod/oauth-client): could not reach Secrets Manager in account 999999999999');
      expect(refused.stderr).not.toContain('reading the value');
    } finally {
      await portal.close();
    }
  });

  test('load refuses it too, and writes nothing', async () => {
    const file = path.join(outdir, 'prod.json');
    fs.writeFileSync(file, JSON.stringify({ 'oauth-client': 'prod_value_never_loaded_04' }));
    const result = await cli(['load', file, '--stack', 'Prod']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`not the stack's account ${PROD_ACCOUNT}`);
    expect(result.stderr).toContain('nothing was written');
    expect(endpoint.calls.PutSecretValue).toBe(0);
  });
});

test('no output of any run above contains a secret value', () => {
  expect(outputs.length).toBeGreaterThan(0);
  expectNoValueIn(outputs, [PARTNER_VALUE, 'ptok_written_by_arn_02', DEV_VALUE, 'prod_value_never_written_03', 'prod_value_never_loaded_04', 'prod_value_never_sent_05']);
});
