/*
 * The local fake of the Parameters and Secrets Lambda Extension answers as the extension does
 * (checked with plain HTTP, no runtime code), so tests against it mean something.
 */
import { get } from 'node:http';
import { FakeLambdaExtension, startFakeLambdaExtension } from '../support/fake-lambda-extension';
import { FakeSecretsManager, startFakeSecretsManager } from '../support/fake-secrets-manager';

let fake: FakeSecretsManager;
let ext: FakeLambdaExtension;

function call(path: string, token: string | null = ext.token): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: ext.port, path, headers: token === null ? {} : { 'X-Aws-Parameters-Secrets-Token': token } }, (res) => {
      let body = '';
      res.on('data', (c) => body += c);
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject);
  });
}

beforeAll(async () => {
  fake = await startFakeSecretsManager();
  ext = await startFakeLambdaExtension({ secretsManagerEndpoint: fake.endpoint, ready: false });
  fake.putSecret('fake-ext/a', 'value-a');
});
afterAll(async () => {
  await ext.close();
  await fake.close();
});

test('before it is ready it answers 400 in plain text, then serves GetSecretValue JSON', async () => {
  expect(await call('/secretsmanager/get?secretId=fake-ext%2Fa')).toEqual({ status: 400, body: 'not ready to serve traffic, please wait' });
  ext.setReady(true);
  const { status, body } = await call('/secretsmanager/get?secretId=fake-ext%2Fa');
  expect(status).toBe(200);
  expect(JSON.parse(body)).toMatchObject({ Name: 'fake-ext/a', SecretString: 'value-a', VersionStages: ['AWSCURRENT'] });
});

test('a missing or wrong token is refused with 403, another path with 404', async () => {
  ext.setReady(true);
  expect((await call('/secretsmanager/get?secretId=fake-ext%2Fa', null)).status).toBe(403);
  expect((await call('/secretsmanager/get?secretId=fake-ext%2Fa', 'other')).status).toBe(403);
  expect((await call('/nope')).status).toBe(404);
});

test('a Secrets Manager error is passed on with its status and __type', async () => {
  ext.setReady(true);
  const { status, body } = await call('/secretsmanager/get?secretId=fake-ext%2Fmissing');
  expect(status).toBe(400);
  expect(JSON.parse(body).__type).toBe('ResourceNotFoundException');
});

test('its reads of Secrets Manager are unsigned, so they can be told from the SDK\'s', async () => {
  ext.setReady(true);
  fake.resetCalls();
  await call('/secretsmanager/get?secretId=fake-ext%2Fa&versionStage=AWSCURRENT');
  expect(fake.requests).toEqual([expect.objectContaining({ operation: 'GetSecretValue', secretIds: ['fake-ext/a'], region: undefined })]);
});

test('injected faults apply to the matching requests, the given number of times', async () => {
  ext.setReady(true);
  ext.injectFault({ kind: 'upstream-timeout', secretId: 'fake-ext/a', times: 1 });
  expect(await call('/secretsmanager/get?secretId=fake-ext%2Fa')).toEqual({ status: 504, body: JSON.stringify({ __type: 'TimeoutError', message: 'Timeout' }) });
  expect((await call('/secretsmanager/get?secretId=fake-ext%2Fa')).status).toBe(200);
  ext.clearFaults();
});
