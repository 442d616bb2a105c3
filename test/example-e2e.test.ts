/*
 * End to end, offline: synthesize the example app (real esbuild bundles), seed a local Secrets
 * Manager endpoint under the physical names from the templates, and invoke the bundled handlers
 * from the cloud assembly in their own Node processes with exactly the template's environment.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildExampleApp } from '../example/app';
import { fingerprint } from '../example/handlers/fingerprint';
import { invokeFunction, readCloudAssembly, seededSecret, seedSecrets, SynthesizedStack, TemplateFunction } from '../example/local-loop';
import { startFakeLambdaExtension } from './support/fake-lambda-extension';
import { FakeSecretsManager, startFakeSecretsManager } from './support/fake-secrets-manager';

const region = 'us-east-1';
const localValues = { 'stripe-api-key': 'sk_test_e2e_2f9c1a7b55d04e', 'partner-token': 'ptok_e2e_81c6f0aa93' };

let outdir: string;
let stack: SynthesizedStack;
let endpoint: FakeSecretsManager;
let seeded: Map<string, string>;

function fn(name: 'Checkout' | 'Reports' | 'Invoices'): TemplateFunction {
  return stack.functions.find((f) => f.constructPath.startsWith(`${stack.stackName}/${name}/`))!;
}

function seededValue(logicalName: string): string {
  return seededSecret(seeded, logicalName)!.value;
}

beforeAll(async () => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-app-secrets-e2e-'));
  // The CDK CLI turns these on; the local loop finds functions and bundles through them.
  const app = new App({ outdir, context: { 'example:environments': 'dev', 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true } });
  buildExampleApp(app);
  app.synth();
  [stack] = readCloudAssembly(outdir);

  endpoint = await startFakeSecretsManager({ region });
  seeded = seedSecrets(endpoint, stack, localValues);
}, 120_000);

afterAll(async () => {
  await endpoint?.close();
  fs.rmSync(outdir, { recursive: true, force: true });
});

beforeEach(() => endpoint.resetCalls());

describe('the example app, synthesized, bundled and invoked locally', () => {
  test('Checkout reads the Stripe key and the JSON database credentials it was granted', async () => {
    const outcome = await invokeFunction(fn('Checkout'), { endpoint: endpoint.endpoint, region });
    expect(outcome.error).toBeUndefined();
    expect(outcome.result).toEqual({
      'stripe-api-key': fingerprint(localValues['stripe-api-key']),
      'db-credentials': fingerprint(seededValue('db-credentials')),
      'dbUser': 'shop',
    });
  });

  test("Checkout's cold start reads getSecrets and getSecretJson together in one batch request", async () => {
    const outcome = await invokeFunction(fn('Checkout'), { endpoint: endpoint.endpoint, region });
    expect(outcome.error).toBeUndefined();
    expect(endpoint.calls).toEqual({ BatchGetSecretValue: 1, GetSecretValue: 0, DescribeSecret: 0, CreateSecret: 0, PutSecretValue: 0 });
  });

  test('Invoices reads through the Parameters and Secrets Lambda Extension, never through the SDK', async () => {
    const extension = await startFakeLambdaExtension({ secretsManagerEndpoint: endpoint.endpoint });
    try {
      // The template sets the extension's port (2773); the local fake listens on its own.
      const outcome = await invokeFunction(fn('Invoices'), { endpoint: endpoint.endpoint, region, environmentOverrides: { ...extension.env } });
      expect(outcome.error).toBeUndefined();
      expect(outcome.result).toEqual({ 'partner-token': fingerprint(localValues['partner-token']) });
      expect(extension.requests.map((r) => [r.secretId, r.token])).toEqual([['legacy/dev/partner-token', extension.token]]);
      // The extension's own upstream reads are unsigned; the SDK's would carry a region.
      expect(endpoint.requests.filter((r) => r.region !== undefined)).toEqual([]);
    } finally {
      await extension.close();
    }
  });

  test('the function with the extension has it with its cache off, on the port CDK sets', () => {
    const resources = stack.template.Resources as Record<string, any>;
    const variables = resources[fn('Invoices').logicalId].Properties.Environment.Variables;
    expect(variables).toMatchObject({ PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '2773', PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'false' });
    expect(resources[fn('Invoices').logicalId].Properties.Layers).toHaveLength(1);
  });

  test('Reports reads the imported secret and the shared one in a single batch request', async () => {
    const outcome = await invokeFunction(fn('Reports'), { endpoint: endpoint.endpoint, region });
    expect(outcome.result).toEqual({
      'partner-token': fingerprint(localValues['partner-token']),
      'db-credentials': fingerprint(seededValue('db-credentials')),
    });
    expect(endpoint.calls).toEqual({ BatchGetSecretValue: 1, GetSecretValue: 0, DescribeSecret: 0, CreateSecret: 0, PutSecretValue: 0 });
  });

  test('a secret that was never set rejects with the placeholder error, naming the secret and the fix', async () => {
    const outcome = await invokeFunction(fn('Checkout'), { endpoint: endpoint.endpoint, region, event: { verifyWebhook: true } });
    expect(outcome.ok).toBe(false);
    // The bundle is minified: error names must survive it, since users branch and alarm on them.
    expect(outcome.error!.name).toBe('SecretPlaceholderError');
    expect(outcome.error!.message).toContain(`${stack.stackName}/dev/webhook-signing-key`);
    expect(outcome.error!.message).toContain('has not been given a value');
    expect(outcome.error!.message).toContain('aws secretsmanager put-secret-value');
  });

  test('a secret the function was not granted fails with the missing variable named', async () => {
    const outcome = await invokeFunction(fn('Reports'), {
      endpoint: endpoint.endpoint,
      region,
      environmentOverrides: { PARTNER_TOKEN_SECRET_NAME: undefined },
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.error!.name).toBe('SecretEnvMissingError');
    expect(outcome.error!.message).toContain('PARTNER_TOKEN_SECRET_NAME');
    expect(outcome.error!.message).toContain('DB_CREDENTIALS_SECRET_NAME');
    expect(outcome.error!.message).toMatch(/grant/);
    expect(endpoint.requests).toEqual([]);
  });

  test('no handler writes a secret value to stdout or stderr, nor returns one', async () => {
    const outcomes = await Promise.all([
      invokeFunction(fn('Checkout'), { endpoint: endpoint.endpoint, region }),
      invokeFunction(fn('Checkout'), { endpoint: endpoint.endpoint, region, event: { verifyWebhook: true } }),
      invokeFunction(fn('Reports'), { endpoint: endpoint.endpoint, region }),
    ]);
    const everything = outcomes.map((o) => `${o.output}${JSON.stringify(o.result)}${JSON.stringify(o.error)}`).join('\n');
    for (const value of seeded.values()) expect(everything).not.toContain(value);
  });
});

describe('template hygiene', () => {
  test('no secret value appears in any template or asset in the cloud assembly', () => {
    const files = fs.readdirSync(outdir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.join(entry.parentPath, entry.name));
    expect(files.some((file) => file.endsWith('index.js'))).toBe(true);
    for (const file of files) {
      const content = fs.readFileSync(file, 'utf8');
      for (const value of Object.values(localValues)) expect(content).not.toContain(value);
    }
  });

  test('each function has exactly the secret variables it needs, and nothing else', () => {
    expect(fn('Checkout').environment).toEqual({
      STRIPE_API_KEY_SECRET_NAME: `${stack.stackName}/dev/stripe-api-key`,
      DB_CREDENTIALS_SECRET_NAME: `${stack.stackName}/dev/db-credentials`,
      WEBHOOK_SIGNING_KEY_SECRET_NAME: `${stack.stackName}/dev/webhook-signing-key`,
    });
    expect(fn('Reports').environment).toEqual({
      DB_CREDENTIALS_SECRET_NAME: `${stack.stackName}/dev/db-credentials`,
      PARTNER_TOKEN_SECRET_NAME: 'legacy/dev/partner-token',
    });
  });

  test('each function\'s role may read exactly the secrets in its environment', () => {
    const resources = stack.template.Resources as Record<string, any>;
    for (const f of [fn('Checkout'), fn('Reports')]) {
      const roleId = resources[f.logicalId].Properties.Role['Fn::GetAtt'][0];
      const policy = Object.values(resources).find((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles[0].Ref === roleId);
      const statements = policy.Properties.PolicyDocument.Statement;
      expect(statements.map((s: any) => s.Action)).toEqual([
        ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        'secretsmanager:BatchGetSecretValue',
      ]);
      const readable = [statements[0].Resource].flat().map((arn: any) => arn['Fn::Sub'].split(':secret:')[1].replace(/-\?{6}$/, ''));
      expect(readable.sort()).toEqual(Object.values(f.environment).sort());
      expect(statements[1].Resource).toBe('*');
    }
  });
});
