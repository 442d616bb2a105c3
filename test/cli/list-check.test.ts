/*
 * `list` and `check` run as the real executable against the example app's cloud assembly and a
 * local Secrets Manager endpoint.
 */
import { allValues, CliFixture, expectNoValueIn, PROD_ACCOUNT, PROD_REGION, startCliFixture, startForeignEndpoint } from './fixture';
import { startFakeSecretsManager } from '../support/fake-secrets-manager';

let fx: CliFixture;

beforeAll(async () => {
  fx = await startCliFixture();
}, 120_000);

afterAll(async () => {
  await fx?.close();
});

beforeEach(() => {
  fx.endpoint.clearFaults();
  fx.deploy();
  fx.endpoint.resetCalls();
});

async function listJson(...args: string[]): Promise<any[]> {
  const result = await fx.cli(['list', '--json', ...args]);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
}

function byName(rows: any[], stack: string, name: string): any {
  return rows.find((row) => row.stack === stack && row.name === name);
}

describe('list', () => {
  test('shows every AppSecret and imported secret of every stack, nested assemblies by display path', async () => {
    const rows = await listJson();
    expect(rows.map((row) => `${row.stack} ${row.name} ${row.secretName}`)).toEqual([
      'Shop-dev stripe-api-key Shop-dev/dev/stripe-api-key',
      'Shop-dev db-credentials Shop-dev/dev/db-credentials',
      'Shop-dev webhook-signing-key Shop-dev/dev/webhook-signing-key',
      'Shop-dev partner-token legacy/dev/partner-token',
      'Prod/Shop stripe-api-key Prod-Shop/prod/stripe-api-key',
      'Prod/Shop db-credentials Prod-Shop/prod/db-credentials',
      'Prod/Shop webhook-signing-key Prod-Shop/prod/webhook-signing-key',
      'Prod/Shop partner-token legacy/prod/partner-token',
    ]);
  });

  test('names the functions that read each secret, and marks imported ones', async () => {
    const rows = await listJson('--stack', 'Shop-dev');
    expect(byName(rows, 'Shop-dev', 'db-credentials').functions).toEqual(['Shop-dev/Checkout', 'Shop-dev/Reports']);
    expect(byName(rows, 'Shop-dev', 'stripe-api-key').functions).toEqual(['Shop-dev/Checkout']);
    expect(byName(rows, 'Shop-dev', 'partner-token')).toMatchObject({ imported: true, functions: ['Shop-dev/Invoices', 'Shop-dev/Reports'], envKey: 'PARTNER_TOKEN_SECRET_NAME' });
    expect(byName(rows, 'Shop-dev', 'stripe-api-key').imported).toBe(false);
  });

  test('after deploy: AppSecrets hold placeholders, generated and imported values count as set', async () => {
    const rows = await listJson('--stack', 'Shop-dev');
    expect(Object.fromEntries(rows.map((row) => [row.name, row.status]))).toEqual({
      'stripe-api-key': 'placeholder',
      'db-credentials': 'set',
      'webhook-signing-key': 'placeholder',
      'partner-token': 'set',
    });
    expect(byName(rows, 'Shop-dev', 'db-credentials').lastChanged).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  test('a stack with an explicit environment is read in its own account and region, by ARN', async () => {
    await listJson('--stack', 'Prod/Shop');
    const ids = fx.endpoint.requests.map((r) => r.secretIds[0]);
    expect(ids).toContain(`arn:aws:secretsmanager:${PROD_REGION}:${PROD_ACCOUNT}:secret:Prod-Shop/prod/stripe-api-key`);
    expect(ids).toContain(`arn:aws:secretsmanager:${PROD_REGION}:${PROD_ACCOUNT}:secret:legacy/prod/partner-token`);
  });

  test('missing: a secret that is not deployed, deleted, or scheduled for deletion', async () => {
    fx.endpoint.deleteSecret('Shop-dev/dev/stripe-api-key');
    fx.endpoint.scheduleDeletion('Shop-dev/dev/webhook-signing-key');
    const rows = await listJson('--stack', 'Shop-dev');
    expect(byName(rows, 'Shop-dev', 'stripe-api-key')).toMatchObject({ status: 'missing', errorCode: 'ResourceNotFoundException' });
    expect(byName(rows, 'Shop-dev', 'stripe-api-key').detail).toContain('not found in region us-east-1');
    expect(byName(rows, 'Shop-dev', 'webhook-signing-key').status).toBe('missing');
    expect(byName(rows, 'Shop-dev', 'webhook-signing-key').detail).toContain('scheduled for deletion');
    expect(byName(rows, 'Shop-dev', 'webhook-signing-key').detail).toContain('restore-secret');
  });

  test('missing: secrets deployed in another region than the stack declares', async () => {
    const elsewhere = await startFakeSecretsManager({ region: 'us-west-2', accountId: PROD_ACCOUNT });
    try {
      for (const name of ['Prod-Shop/prod/stripe-api-key', 'Prod-Shop/prod/db-credentials']) elsewhere.putSecret(name, fx.remember(name, `value-elsewhere-${name.length}x9`));
      const result = await fx.cli(['list', '--json', '--stack', 'Prod/Shop'], { env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: elsewhere.endpoint } });
      const rows = JSON.parse(result.stdout);
      expect(byName(rows, 'Prod/Shop', 'stripe-api-key').status).toBe('missing');
      expect(byName(rows, 'Prod/Shop', 'stripe-api-key').detail).toContain(`account ${PROD_ACCOUNT}, region ${PROD_REGION}`);
    } finally {
      await elsewhere.close();
    }
  });

  test('denied: no GetSecretValue permission names the missing permission; DescribeSecret still tells it exists', async () => {
    fx.endpoint.injectFault({ kind: 'access-denied', operation: 'GetSecretValue', secretId: 'Shop-dev/dev/stripe-api-key' });
    const rows = await listJson('--stack', 'Shop-dev');
    const row = byName(rows, 'Shop-dev', 'stripe-api-key');
    expect(row).toMatchObject({ status: 'denied', errorCode: 'AccessDeniedException' });
    expect(row.detail).toContain('exists');
    expect(row.detail).toContain('secretsmanager:GetSecretValue');
  });

  test('denied: a KMS key that refuses to decrypt names kms:Decrypt', async () => {
    fx.endpoint.putSecret('Shop-dev/dev/stripe-api-key', fx.remember('Shop-dev/dev/stripe-api-key', 'sk_kms_locked_5521ab'), { kmsUndecryptable: true });
    const row = byName(await listJson('--stack', 'Shop-dev'), 'Shop-dev', 'stripe-api-key');
    expect(row).toMatchObject({ status: 'denied', errorCode: 'DecryptionFailure' });
    expect(row.detail).toContain('kms:Decrypt');
  });

  test('error: a failure left after the SDK\'s retries shows the AWS error code', async () => {
    fx.endpoint.injectFault({ kind: 'server-error', operation: 'GetSecretValue', secretId: 'Shop-dev/dev/stripe-api-key' });
    const row = byName(await listJson('--stack', 'Shop-dev'), 'Shop-dev', 'stripe-api-key');
    expect(row).toMatchObject({ status: 'error', errorCode: 'InternalServiceError' });
    expect(row.detail).toMatch(/InternalServiceError after 3 attempts/);
  });

  test('throttling is retried by the SDK: two throttled answers still end in a status', async () => {
    fx.endpoint.injectFault({ kind: 'throttle', operation: 'GetSecretValue', secretId: 'Shop-dev/dev/stripe-api-key', times: 2 });
    const row = byName(await listJson('--stack', 'Shop-dev'), 'Shop-dev', 'stripe-api-key');
    expect(row.status).toBe('placeholder');
    expect(fx.endpoint.requests.filter((r) => r.secretIds[0] === 'Shop-dev/dev/stripe-api-key')).toHaveLength(3);
  });

  test('throttling that outlasts the retries is an error with ThrottlingException', async () => {
    fx.endpoint.injectFault({ kind: 'throttle', operation: 'GetSecretValue', secretId: 'Shop-dev/dev/stripe-api-key' });
    const row = byName(await listJson('--stack', 'Shop-dev'), 'Shop-dev', 'stripe-api-key');
    expect(row).toMatchObject({ status: 'error', errorCode: 'ThrottlingException' });
  });

  test('throttling that outlasts the retries: check says Secrets Manager throttled, and to wait or allow more attempts with AWS_MAX_ATTEMPTS', async () => {
    fx.endpoint.injectFault({ kind: 'throttle', operation: 'GetSecretValue', secretId: 'Shop-dev/dev/stripe-api-key' });
    const result = await fx.cli(['check', '--stack', 'Shop-dev']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/error {2}Shop-dev {2}stripe-api-key \(Shop-dev\/dev\/stripe-api-key\): Secrets Manager throttled the requests \(ThrottlingException, 3 attempts\): wait a minute and run it again, or let the SDK try more often with AWS_MAX_ATTEMPTS \(e\.g\. AWS_MAX_ATTEMPTS=10\)/);
  });

  test('with AWS_MAX_ATTEMPTS=1 the throttling message counts one attempt, in the singular', async () => {
    fx.endpoint.injectFault({ kind: 'throttle', operation: 'GetSecretValue', secretId: 'Shop-dev/dev/stripe-api-key' });
    const result = await fx.cli(['check', '--stack', 'Shop-dev'], { env: { AWS_MAX_ATTEMPTS: '1' } });
    expect(result.stdout).toContain('Secrets Manager throttled the requests (ThrottlingException, 1 attempt): ');
  });

  test('AWS_MAX_ATTEMPTS, as the throttling message suggests, rides out longer throttling', async () => {
    fx.endpoint.injectFault({ kind: 'throttle', operation: 'GetSecretValue', secretId: 'Shop-dev/dev/stripe-api-key', times: 4 });
    const result = await fx.cli(['list', '--json', '--stack', 'Shop-dev'], { env: { AWS_MAX_ATTEMPTS: '5' } });
    expect(byName(JSON.parse(result.stdout), 'Shop-dev', 'stripe-api-key').status).toBe('placeholder');
    expect(fx.endpoint.requests.filter((r) => r.secretIds[0] === 'Shop-dev/dev/stripe-api-key')).toHaveLength(5);
  }, 60_000);

  test('a response that is not Secrets Manager\'s (a 200 whose body is not JSON): says so and what to check, without quoting the body', async () => {
    fx.endpoint.injectFault({ kind: 'malformed-body', operation: 'GetSecretValue', secretId: 'Shop-dev/dev/stripe-api-key' });
    const result = await fx.cli(['check', '--stack', 'Shop-dev']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/error {2}Shop-dev {2}stripe-api-key \(Shop-dev\/dev\/stripe-api-key\): the endpoint for Secrets Manager in region us-east-1 answered with something that is not a Secrets Manager response \(HTTP 200, not JSON\)/);
    expect(result.stdout).toContain('AWS_ENDPOINT_URL_SECRETS_MANAGER');
    expect(result.stdout).not.toContain('SyntaxError');
    expect(result.stdout).not.toContain('run check again');
    expect(byName(await listJson('--stack', 'Shop-dev'), 'Shop-dev', 'webhook-signing-key').status).toBe('placeholder');
  });

  test('an endpoint that answers with a web page (a proxy, a captive portal): every secret says so, with the HTTP status, and never the page', async () => {
    const portal = await startForeignEndpoint(403, '<html><body>Sign in to the guest network (session 5f1c9e2a77)</body></html>');
    try {
      const result = await fx.cli(['list', '--json', '--stack', 'Shop-dev'], { env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: portal.endpoint } });
      const rows = JSON.parse(result.stdout);
      for (const row of rows) expect(row).toMatchObject({ status: 'error', errorCode: 'MalformedResponse' });
      expect(rows[0].detail).toContain('(HTTP 403, not JSON)');
      expect(result.stdout).not.toContain('guest network');
    } finally {
      await portal.close();
    }
  });

  test('an endpoint that answers JSON without a secret\'s value (another service) is no proof the secret is set', async () => {
    const other = await startForeignEndpoint(200, '{}', 'application/json');
    try {
      const result = await fx.cli(['check', '--stack', 'Shop-dev'], { env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: other.endpoint } });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('4 of 4 secrets are not set');
      expect(result.stdout).toContain('answered with something that is not a Secrets Manager response (HTTP 200, no secret value in it)');
    } finally {
      await other.close();
    }
  });

  test('a connection cut before the answer (a proxy or firewall resetting it): check says the connection was cut, not that no answer came in time', async () => {
    fx.endpoint.injectFault({ kind: 'drop-connection', operation: 'GetSecretValue', secretId: 'Shop-dev/dev/stripe-api-key' });
    const result = await fx.cli(['check', '--stack', 'Shop-dev']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/error {2}Shop-dev {2}stripe-api-key \(Shop-dev\/dev\/stripe-api-key\): could not reach Secrets Manager in region us-east-1 \(ECONNRESET, 3 attempts\)/);
    expect(result.stdout).not.toContain('no answer');
  });

  test('an endpoint that accepts and never answers: check ends with a timeout naming the secret and what to do', async () => {
    fx.endpoint.injectFault({ kind: 'hang', operation: 'GetSecretValue', secretId: 'Shop-dev/dev/stripe-api-key' });
    const result = await fx.cli(['check', '--stack', 'Shop-dev'], { env: { CDK_APP_SECRETS_REQUEST_TIMEOUT_MS: '300' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/error.*stripe-api-key.*no answer from Secrets Manager in region us-east-1 within 0\.3 s/);
    expect(result.stdout).toContain('CDK_APP_SECRETS_REQUEST_TIMEOUT_MS');
    // The other secrets of the stack still get their status.
    expect(result.stdout).toMatch(/placeholder.*webhook-signing-key/);
  }, 30_000);

  test('--stack takes globs: * stays within a stage, ** crosses stages; the CloudFormation name works too', async () => {
    const stacksOf = async (...args: string[]) => [...new Set((await listJson(...args)).map((row) => row.stack))];
    expect(await stacksOf('--stack', 'Shop-*')).toEqual(['Shop-dev']);
    expect(await stacksOf('--stack', '*')).toEqual(['Shop-dev']);
    expect(await stacksOf('--stack', 'Prod/*')).toEqual(['Prod/Shop']);
    expect(await stacksOf('--stack', '**')).toEqual(['Shop-dev', 'Prod/Shop']);
    expect(await stacksOf('--stack', 'Prod-Shop')).toEqual(['Prod/Shop']);
    expect(await stacksOf('--stack', 'Shop-dev', '--stack', 'Prod/Shop')).toEqual(['Shop-dev', 'Prod/Shop']);
  });

  test('the table on stdout has a row per secret with its status and functions; nothing else goes to stdout', async () => {
    const result = await fx.cli(['list', '--stack', 'Shop-dev']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^STACK\s+NAME\s+SECRET NAME\s+STATUS\s+FUNCTIONS\s+DETAIL$/);
    expect(lines).toHaveLength(5);
    expect(lines.find((l) => l.includes('stripe-api-key'))).toMatch(/Shop-dev\/dev\/stripe-api-key\s+placeholder\s+Checkout\s/);
    expect(lines.find((l) => l.includes('db-credentials'))).toMatch(/\s+set\s+Checkout, Reports\s+last changed \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(lines.find((l) => l.includes('partner-token'))).toContain('partner-token (imported)');
    expect(result.stdout).not.toMatch(/\u001b\[/);
  });
});

describe('check', () => {
  test('exits 1 naming each secret that is not set and the command that sets it', async () => {
    const result = await fx.cli(['check', '--stack', 'Shop-dev']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('placeholder  Shop-dev  stripe-api-key (Shop-dev/dev/stripe-api-key)');
    expect(result.stdout).toContain('npx cdk-app-secrets set stripe-api-key --stack Shop-dev');
    expect(result.stdout).toContain('npx cdk-app-secrets set webhook-signing-key --stack Shop-dev');
    expect(result.stdout).toContain('aws secretsmanager put-secret-value --secret-id Shop-dev/dev/webhook-signing-key');
    expect(result.stdout).not.toContain('db-credentials');
    expect(result.stdout).toContain('2 of 4 secrets are not set');
  });

  test('exits 0 when every selected secret is set', async () => {
    for (const name of ['Shop-dev/dev/stripe-api-key', 'Shop-dev/dev/webhook-signing-key']) fx.endpoint.putSecret(name, fx.remember(name, `real-${name.length}-Zq81xk`));
    const result = await fx.cli(['check', '--stack', 'Shop-dev']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('all 4 secrets of 1 stack are set');
  });

  test('names the fix for missing, denied and failed secrets too', async () => {
    fx.endpoint.deleteSecret('Shop-dev/dev/stripe-api-key');
    fx.endpoint.deleteSecret('legacy/dev/partner-token');
    fx.endpoint.injectFault({ kind: 'access-denied', operation: 'GetSecretValue', secretId: 'Shop-dev/dev/db-credentials' });
    const result = await fx.cli(['check', '--stack', 'Shop-dev']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('npx cdk deploy Shop-dev');
    expect(result.stdout).toMatch(/partner-token.*aws secretsmanager create-secret --name legacy\/dev\/partner-token/);
    expect(result.stdout).toMatch(/denied.*db-credentials.*secretsmanager:GetSecretValue/);
  });

  test('a JSON-shaped secret whose value lacks a declared key (set in the console, say) fails, naming the key and the fix', async () => {
    fx.endpoint.putSecret('Shop-dev/dev/db-credentials', fx.remember('Shop-dev/dev/db-credentials', '{"username":"shop","pasword":"pw_typo_key_8d2c41"}'));
    const result = await fx.cli(['check', '--stack', 'Shop-dev']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^✗ error {2}Shop-dev {2}db-credentials \(Shop-dev\/dev\/db-credentials\): its value does not fit the declared JSON shape: the JSON value lacks the key password .*npx cdk-app-secrets set db-credentials --stack Shop-dev/m);
    expect(byName(await listJson('--stack', 'Shop-dev'), 'Shop-dev', 'db-credentials')).toMatchObject({ status: 'error', errorCode: 'ShapeMismatch' });
  });

  test('--json gives the list objects, and the exit code still says whether all are set', async () => {
    const result = await fx.cli(['check', '--json', '--stack', 'Prod/Shop']);
    expect(result.code).toBe(1);
    const rows = JSON.parse(result.stdout);
    expect(rows.map((row: any) => row.status)).toEqual(['placeholder', 'set', 'placeholder', 'set']);
  });
});

test('no output of any run above contains a secret value', () => {
  expect(fx.outputs.length).toBeGreaterThan(15);
  expectNoValueIn(fx.outputs, allValues(fx));
});
