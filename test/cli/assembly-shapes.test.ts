/*
 * Assemblies shaped unlike the example app. Secrets and functions inside a NestedStack: the
 * metadata of its constructs is in the parent stack's manifest entry, and its functions are in a
 * template of their own. Readers in another region, whose variable holds the secret's ARN.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnParameter, LegacyStackSynthesizer, NestedStack, Stack, Stage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { AppSecret } from '../../lib';
import { FakeSecretsManager, startFakeSecretsManager } from '../support/fake-secrets-manager';
import { runCli } from '../support/run-cli';

let outdir: string;
let endpoint: FakeSecretsManager;

function inlineFunction(scope: NestedStack | Stack, id: string): lambda.Function {
  return new lambda.Function(scope, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => 1;') });
}

beforeAll(async () => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-app-secrets-cli-nested-'));
  const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true } });
  const parent = new Stack(app, 'Parent');
  const inner = new NestedStack(parent, 'Inner');
  const apiKey = new AppSecret(inner, 'ApiKey', { name: 'api-key', secretName: 'parent/dev/api-key', nameOutput: false });
  const legacy = AppSecret.fromSecretName(inner, 'Legacy', { secretName: 'legacy/shared-token', name: 'shared-token' });
  const innerFn = inlineFunction(inner, 'InnerFn');
  apiKey.grantRead(innerFn);
  legacy.grantRead(innerFn);
  apiKey.grantRead(inlineFunction(parent, 'ParentFn'));

  // A secret in eu-west-1, read from us-west-2 by ARN (a client reads only its own region).
  const home = new Stack(app, 'Home', { env: { account: '123456789012', region: 'eu-west-1' } });
  new AppSecret(home, 'HomeKey', { name: 'home-key', secretName: 'home/prod/home-key', nameOutput: false });
  const reader = new Stack(app, 'Reader', { env: { account: '123456789012', region: 'us-west-2' } });
  inlineFunction(reader, 'LiteralArn').addEnvironment('HOME_KEY_SECRET_NAME', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:home/prod/home-key');
  const sub = inlineFunction(reader, 'SubArn');
  (sub.node.defaultChild as lambda.CfnFunction).addPropertyOverride('Environment.Variables.HOME_KEY_SECRET_NAME',
    { 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:eu-west-1:${AWS::AccountId}:secret:home/prod/home-key' });
  inlineFunction(reader, 'OtherAccount').addEnvironment('PEER_KEY_SECRET_NAME', 'arn:aws:secretsmanager:eu-west-1:999999999999:secret:home/prod/home-key');

  // A name that depends on a deploy-time value (a CfnParameter): the assembly cannot say which secret it is.
  const params = new Stack(app, 'Params');
  const byParam = new AppSecret(params, 'TokKey', { name: 'tok-key', environment: new CfnParameter(params, 'Env', { type: 'String' }).valueAsString, nameOutput: false });
  byParam.grantRead(inlineFunction(params, 'TokFn'));
  new AppSecret(params, 'PlainKey', { name: 'plain-key', secretName: 'params/dev/plain-key', nameOutput: false });

  // An environment-agnostic stack (cdk init's default) whose function gets a secret's ARN from CDK: pseudo parameters in it.
  const agnostic = new Stack(app, 'Agnostic');
  const partner = secretsmanager.Secret.fromSecretNameV2(agnostic, 'Partner', 'legacy/agnostic-partner');
  const partnerFn = inlineFunction(agnostic, 'PartnerFn');
  partnerFn.addEnvironment('PARTNER_SECRET_NAME', partner.secretArn);
  partner.grantRead(partnerFn);
  // A name built from the deploy-time region is no secret the CLI can name: not followed, not listed.
  inlineFunction(agnostic, 'RegionalFn').addEnvironment('DB_SECRET_NAME', `myapp/${agnostic.region}/db`);

  // A stage inside a stage, its stack holding a NestedStack: nested assemblies two deep.
  const innerStage = new Stage(new Stage(app, 'Outer', { env: { account: '123456789012', region: 'eu-west-1' } }), 'Inner');
  const deepNested = new NestedStack(new Stack(innerStage, 'Deep'), 'Part');
  new AppSecret(deepNested, 'DeepKey', { name: 'deep-key', secretName: 'outer/deep-key', nameOutput: false }).grantRead(inlineFunction(deepNested, 'DeepFn'));
  app.synth();

  endpoint = await startFakeSecretsManager({ region: 'eu-west-1', accountId: '123456789012' });
  endpoint.putSecret('parent/dev/api-key', 'api_key_nested_value_4e1f');
  endpoint.putSecret('home/prod/home-key', 'home_key_value_0e44d1');
  endpoint.putSecret('params/dev/plain-key', 'plain_key_value_77c2e0');
  endpoint.putSecret('legacy/agnostic-partner', 'partner_value_agnostic_5b1');
}, 120_000);

afterAll(async () => {
  await endpoint?.close();
  fs.rmSync(outdir, { recursive: true, force: true });
});

test('list finds AppSecrets and imported secrets of a nested stack under the parent, with the functions in both', async () => {
  const result = await runCli(['list', '--json', '--app', outdir, '--stack', 'Parent'], {
    env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
  });
  expect(result.code).toBe(0);
  const rows = JSON.parse(result.stdout);
  expect(rows.map((row: any) => [row.stack, row.name, row.secretName, row.status, row.functions])).toEqual([
    ['Parent', 'api-key', 'parent/dev/api-key', 'set', ['Parent/Inner/InnerFn', 'Parent/ParentFn']],
    ['Parent', 'shared-token', 'legacy/shared-token', 'missing', ['Parent/Inner/InnerFn']],
  ]);
  expect(`${result.stdout}${result.stderr}`).not.toContain('api_key_nested_value_4e1f');
});

test('readers in another region that name the secret by ARN are its functions, not imported secrets', async () => {
  const result = await runCli(['list', '--json', '--app', outdir, '--stack', 'Home', '--stack', 'Reader'], {
    env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
  });
  expect(result.code).toBe(0);
  const rows = JSON.parse(result.stdout);
  expect(rows.map((row: any) => [row.stack, row.name, row.region, row.account, row.imported, row.status, row.functions])).toEqual([
    ['Home', 'home-key', 'eu-west-1', '123456789012', false, 'set', ['Reader/LiteralArn', 'Reader/SubArn']],
    // Same name, another account: a different secret, imported, looked up in its own account and region.
    ['Reader', 'peer-key', 'eu-west-1', '999999999999', true, 'missing', ['Reader/OtherAccount']],
  ]);
  expect(`${result.stdout}${result.stderr}`).not.toContain('home_key_value_0e44d1');
});

test('a secret whose name is known only at deploy is listed, fails check with what to do, and is never written', async () => {
  const env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
  const list = await runCli(['list', '--json', '--app', outdir, '--stack', 'Params'], { env });
  expect(list.code).toBe(0);
  expect(JSON.parse(list.stdout).map((row: any) => [row.name, row.secretName, row.status, row.errorCode])).toEqual([
    ['tok-key', 'Params/${Env}/tok-key', 'error', 'NameUnresolved'],
    ['plain-key', 'params/dev/plain-key', 'set', null],
  ]);
  const check = await runCli(['check', '--app', outdir, '--stack', 'Params'], { env });
  expect(check.code).toBe(1);
  expect(check.stdout).toMatch(/tok-key.*depends on a value known only at deploy \(parameter Env\)/);
  expect(check.stdout).toContain('1 of 2 secrets are not set');
  const set = await runCli(['set', 'tok-key', '--app', outdir, '--stack', 'Params'], { env, stdin: 'tok_value_never_written_1' });
  expect(set.code).toBe(1);
  expect(set.stderr).toContain('aws secretsmanager put-secret-value');
  const file = path.join(outdir, 'load.json');
  fs.writeFileSync(file, JSON.stringify({ 'tok-key': 'tok_value_never_written_2', 'plain-key': 'plain_value_never_written_3' }));
  const load = await runCli(['load', file, '--app', outdir, '--stack', 'Params'], { env });
  expect(load.code).toBe(1);
  expect(load.stdout).toMatch(/invalid .*tok-key.*known only at deploy/);
  expect(endpoint.calls.PutSecretValue ?? 0).toBe(0);
});

test('a secret named from a context lookup that cdk synth could not make (no credentials for the account) holds CDK\'s dummy value: check says to synth again, not to deploy, and set and load never write', async () => {
  // What `cdk synth` leaves when a lookup fails: the assembly, with the dummy value in place of the lookup's.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-app-secrets-cli-lookup-'));
  try {
    const app = new App({ outdir: dir, context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true } });
    const shop = new Stack(app, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } });
    const stage = ssm.StringParameter.valueFromLookup(shop, 'shop-stage');
    const fn = inlineFunction(shop, 'Checkout');
    new AppSecret(shop, 'Stripe', { name: 'stripe-api-key', environment: stage, nameOutput: false }).grantRead(fn);
    AppSecret.fromSecretName(shop, 'Partner', { secretName: `partner/${stage}/token`, name: 'partner-token' }).grantRead(fn);
    new AppSecret(shop, 'Plain', { name: 'plain-key', secretName: 'shop/plain-key', nameOutput: false }).grantRead(fn);
    app.synth();
    endpoint.putSecret('shop/plain-key', 'plain_lookup_value_2c4d');
    const env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
    const list = await runCli(['list', '--json', '--app', dir], { env });
    expect(list.code).toBe(0);
    const rows = JSON.parse(list.stdout);
    expect(rows.map((row: any) => [row.name, row.status, row.errorCode])).toEqual([
      ['stripe-api-key', 'error', 'NameUnresolved'],
      ['plain-key', 'set', null],
      ['partner-token', 'error', 'NameUnresolved'],
    ]);
    expect(rows[0].detail).toContain('a context lookup that cdk synth could not make (ssm:account=123456789012:parameterName=shop-stage:region=eu-west-1)');
    const check = await runCli(['check', '--app', dir], { env });
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/stripe-api-key.*run npx cdk synth again with credentials/);
    expect(check.stdout).not.toContain('npx cdk deploy');
    const calls = endpoint.calls.PutSecretValue;
    const set = await runCli(['set', 'stripe-api-key', '--app', dir], { env, stdin: 'sk_never_written_lookup_1' });
    expect(set.code).toBe(1);
    expect(set.stderr).toContain('context lookup');
    const file = path.join(dir, 'load.json');
    fs.writeFileSync(file, JSON.stringify({ 'partner-token': 'ptok_never_written_lookup_2', 'plain-key': 'plain_never_written_lookup_3' }));
    const load = await runCli(['load', file, '--app', dir], { env });
    expect(load.code).toBe(1);
    expect(load.stdout).toMatch(/invalid .*partner-token.*context lookup/);
    expect(endpoint.calls.PutSecretValue).toBe(calls);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an environment-agnostic stack\'s function that reads a secret by an ARN CDK built (region and account at deploy) lists it, in the default region; a name built from the region is not listed', async () => {
  const env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
  const result = await runCli(['list', '--json', '--app', outdir, '--stack', 'Agnostic'], { env });
  expect(result.code).toBe(0);
  const rows = JSON.parse(result.stdout);
  expect(rows.map((row: any) => [row.name, row.secretName, row.imported, row.region, row.account, row.status, row.functions])).toEqual([
    ['partner', 'legacy/agnostic-partner', true, null, null, 'set', ['Agnostic/PartnerFn']],
  ]);
  expect(endpoint.requests.map((request) => request.secretIds[0])).toContain('legacy/agnostic-partner');
});

test('a stack in a stage inside a stage, with a NestedStack: found by display path, its ** glob and its CloudFormation name', async () => {
  const env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
  for (const stack of ['Outer/Inner/Deep', 'Outer/**', 'Outer-Inner-Deep']) {
    const result = await runCli(['list', '--json', '--app', outdir, '--stack', stack], { env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).map((row: any) => [row.stack, row.name, row.region, row.functions])).toEqual([
      ['Outer/Inner/Deep', 'deep-key', 'eu-west-1', ['Outer/Inner/Deep/Part/DeepFn']],
    ]);
  }
  const oneLevel = await runCli(['list', '--json', '--app', outdir, '--stack', 'Outer/*'], { env });
  expect(oneLevel.code).toBe(1);
});

test.each([
  ['cdk synth --no-asset-metadata', 'Parent', undefined],
  ['and the LegacyStackSynthesizer: asset parameters, no asset manifest', 'Legacy', () => new LegacyStackSynthesizer()],
])('synthesized without asset metadata (%s): functions of nested stacks, two deep, are found, and so are the secrets they import', async (_shape, stackId, synthesizer) => {
  const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-app-secrets-cli-no-asset-metadata-'));
  try {
    const app = new App({ outdir: bare, context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': false } });
    const parent = new Stack(app, stackId, { synthesizer: synthesizer?.() });
    const inner = new NestedStack(parent, 'Inner');
    const apiKey = new AppSecret(inner, 'ApiKey', { name: 'api-key', secretName: `${stackId.toLowerCase()}/dev/api-key`, nameOutput: false });
    const innerFn = inlineFunction(inner, 'InnerFn');
    apiKey.grantRead(innerFn);
    AppSecret.fromSecretName(inner, 'Legacy', { secretName: 'legacy/shared-token', name: 'shared-token' }).grantRead(innerFn);
    apiKey.grantRead(inlineFunction(new NestedStack(inner, 'Deeper'), 'DeeperFn'));
    app.synth();
    const result = await runCli(['list', '--json', '--app', bare], {
      env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).map((row: any) => [row.name, row.imported, row.functions])).toEqual([
      ['api-key', false, [`${stackId}/Inner/Deeper/DeeperFn`, `${stackId}/Inner/InnerFn`]],
      ['shared-token', true, [`${stackId}/Inner/InnerFn`]],
    ]);
  } finally {
    fs.rmSync(bare, { recursive: true, force: true });
  }
});

test('synthesized without path metadata (cdk synth --no-path-metadata, "pathMetadata": false in cdk.json): functions are shown by construct path from the manifest, in nested stacks too, where two nested stacks have a function of the same logical id', async () => {
  const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-app-secrets-cli-no-path-metadata-'));
  try {
    const app = new App({ outdir: bare, context: { 'aws:cdk:enable-path-metadata': false, 'aws:cdk:enable-asset-metadata': true } });
    const parent = new Stack(new Stage(app, 'Prod'), 'Shop');
    const apiKey = new AppSecret(parent, 'ApiKey', { name: 'api-key', secretName: 'shop/prod/api-key', nameOutput: false });
    apiKey.grantRead(inlineFunction(parent, 'Checkout'));
    const payments = new NestedStack(parent, 'Payments');
    const refunds = new NestedStack(parent, 'Refunds');
    // The same construct id in each nested stack: the same logical id in each nested template.
    apiKey.grantRead(inlineFunction(payments, 'Handler'));
    apiKey.grantRead(inlineFunction(refunds, 'Handler'));
    apiKey.grantRead(inlineFunction(new NestedStack(payments, 'Refunds'), 'Handler'));
    app.synth();
    const result = await runCli(['list', '--json', '--app', bare], {
      env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).map((row: any) => [row.stack, row.name, row.functions])).toEqual([
      ['Prod/Shop', 'api-key', ['Prod/Shop/Checkout', 'Prod/Shop/Payments/Handler', 'Prod/Shop/Payments/Refunds/Handler', 'Prod/Shop/Refunds/Handler']],
    ]);
  } finally {
    fs.rmSync(bare, { recursive: true, force: true });
  }
});

test('a function in a region the secret is replicated to (its variable holds the replica\'s ARN) is a reader of the AppSecret, not an imported secret to create', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-app-secrets-cli-replica-'));
  try {
    const app = new App({ outdir: dir, context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true } });
    const prod = new Stage(app, 'Prod');
    const api = new Stack(prod, 'Api', { env: { account: '123456789012', region: 'eu-west-1' } });
    const edge = new Stack(prod, 'Edge', { env: { account: '123456789012', region: 'us-west-2' } });
    const stripe = new AppSecret(api, 'Stripe', { name: 'stripe-api-key', secretName: 'prod/stripe-api-key', replicaRegions: [{ region: 'us-west-2' }], nameOutput: false });
    stripe.grantRead(inlineFunction(api, 'Checkout'));
    stripe.grantRead(inlineFunction(edge, 'EdgeFn'));
    app.synth();
    const env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
    const result = await runCli(['list', '--json', '--app', dir], { env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).map((row: any) => [row.stack, row.name, row.imported, row.region, row.functions])).toEqual([
      ['Prod/Api', 'stripe-api-key', false, 'eu-west-1', ['Prod/Api/Checkout', 'Prod/Edge/EdgeFn']],
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a secret two stacks of one account and region both import is one secret: set by its physical name (or logical name) needs no --stack; the same name in another region still does', async () => {
  const synthImporters = (dir: string, regions: readonly string[]) => {
    const app = new App({ outdir: dir, context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true } });
    for (const region of regions) {
      const stage = new Stage(app, region === 'eu-west-1' ? 'Prod' : 'Dr', { env: { account: '123456789012', region } });
      for (const id of ['Api', 'Worker']) {
        const stack = new Stack(stage, id);
        AppSecret.fromSecretName(stack, 'Shared', { secretName: 'legacy/shared-token', name: 'shared-token' }).grantRead(inlineFunction(stack, 'Fn'));
      }
    }
    app.synth();
  };
  const oneRegion = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-app-secrets-cli-shared-import-'));
  const twoRegions = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-app-secrets-cli-shared-import-'));
  try {
    synthImporters(oneRegion, ['eu-west-1']);
    synthImporters(twoRegions, ['eu-west-1', 'us-west-2']);
    const env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
    endpoint.putSecret('legacy/shared-token', 'shared_token_old_value_a1');
    for (const name of ['legacy/shared-token', 'shared-token']) {
      const set = await runCli(['set', name, '--app', oneRegion], { env, stdin: `shared_token_new_value_${name.length}` });
      expect(set.stderr).not.toContain('choose one with --stack');
      expect(set.code).toBe(0);
      expect(set.stdout).toMatch(/^set shared-token: legacy\/shared-token, version /);
    }
    endpoint.resetCalls();
    const ambiguous = await runCli(['set', 'legacy/shared-token', '--app', twoRegions], { env, stdin: 'shared_token_never_written_b2' });
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain('choose one with --stack');
    expect(endpoint.calls.PutSecretValue).toBe(0);
  } finally {
    fs.rmSync(oneRegion, { recursive: true, force: true });
    fs.rmSync(twoRegions, { recursive: true, force: true });
  }
});

test('set or load with --stack naming the stack whose functions read a secret another stack creates (a secrets stack): says which stack has it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-app-secrets-cli-secrets-stack-'));
  try {
    const app = new App({ outdir: dir, context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true } });
    const stripe = new AppSecret(new Stack(app, 'Secrets'), 'Stripe', { name: 'stripe-api-key', environment: 'dev', nameOutput: false });
    stripe.grantRead(inlineFunction(new Stack(app, 'Api'), 'Checkout'));
    app.synth();
    const env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
    const set = await runCli(['set', 'stripe-api-key', '--app', dir, '--stack', 'Api'], { env, stdin: 'sk_secrets_stack_never_written_1' });
    expect(set.code).toBe(1);
    expect(set.stderr).toContain("stack Api has no secret 'stripe-api-key': it is a secret of stack Secrets; use --stack Secrets");
    expect(set.stderr).not.toContain('run npx cdk synth');
    const file = path.join(dir, 'load.json');
    fs.writeFileSync(file, JSON.stringify({ 'stripe-api-key': 'sk_secrets_stack_never_written_2' }));
    const load = await runCli(['load', file, '--app', dir, '--stack', 'Api'], { env });
    expect(load.code).toBe(1);
    expect(load.stdout).toContain('unknown     stripe-api-key (key "stripe-api-key"): not a secret of stack Api: it is a secret of stack Secrets; use --stack Secrets');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('check of many secrets behind an endpoint that never answers gives up on the region after the first timeouts, instead of waiting out each secret', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-app-secrets-cli-many-'));
  try {
    const app = new App({ outdir: dir, context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'Many', { env: { account: '123456789012', region: 'eu-west-1' } });
    for (let i = 0; i < 40; i++) new AppSecret(stack, `S${i}`, { name: `secret-${i}`, environment: 'dev', nameOutput: false });
    app.synth();
    endpoint.resetCalls();
    endpoint.injectFault({ kind: 'hang' });
    const env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', CDK_APP_SECRETS_REQUEST_TIMEOUT_MS: '300' };
    const result = await runCli(['check', '--json', '--app', dir], { env });
    expect(result.code).toBe(1);
    const rows = JSON.parse(result.stdout);
    expect(rows).toHaveLength(40);
    expect(rows.every((row: any) => row.status === 'error' && row.errorCode === 'TimeoutError')).toBe(true);
    expect(rows.filter((row: any) => row.detail.startsWith('not checked')).length).toBeGreaterThanOrEqual(32);
    // At most the first 8 (checked at once) were asked about, each with the SDK's attempts.
    expect(new Set(endpoint.requests.map((request) => request.secretIds[0])).size).toBeLessThanOrEqual(8);
  } finally {
    endpoint.clearFaults();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

test('set of a name a stack of 120 secrets lacks names a few of its secrets and how to see them all, not every one', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-app-secrets-cli-names-'));
  try {
    const app = new App({ outdir: dir, context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'Many');
    for (let i = 0; i < 120; i++) new AppSecret(stack, `S${i}`, { name: `secret-${i}`, environment: 'dev', nameOutput: false });
    app.synth();
    const env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
    const result = await runCli(['set', 'secret-x', '--app', dir, '--stack', 'Many'], { env, stdin: 'never_written_value_120' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("stack Many has no secret 'secret-x'. Its secrets: secret-0, secret-1,");
    expect(result.stderr).toContain('secret-19, and 100 more (npx cdk-app-secrets list --stack Many)');
    expect(result.stderr).not.toContain('secret-20,');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
