/*
 * Cross-region reads: an ARN is read from the region in the ARN, names from the default region.
 * Two local endpoints stand for two regions; each records the region its requests were signed for
 * (SigV4 credential scope), which is the region of the client that sent them.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { restoreEnv, useEndpoint } from './helpers';
import { configureSecrets, getSecrets } from '../../lib/runtime';
import { FakeSecretsManager, startFakeSecretsManager } from '../support/fake-secrets-manager';

let home: FakeSecretsManager; // us-east-1, the function's own region
let eu: FakeSecretsManager; // eu-west-1, another account
let seq = 0;

beforeAll(async () => {
  home = await startFakeSecretsManager({ region: 'us-east-1' });
  eu = await startFakeSecretsManager({ region: 'eu-west-1', accountId: '111122223333' });
});

afterAll(async () => {
  restoreEnv();
  await home.close();
  await eu.close();
});

beforeEach(() => {
  useEndpoint(home.endpoint, 'us-east-1');
  for (const fake of [home, eu]) {
    fake.clearFaults();
    fake.resetCalls();
  }
});

/** Route each region's client to its endpoint, as a VPC endpoint per region would be configured. */
function endpointPerRegion(): void {
  delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
  configureSecrets({ clientConfig: (region: string | undefined) => ({ endpoint: region === 'eu-west-1' ? eu.endpoint : home.endpoint }) });
}

test('an ARN of another region is sent signed for that region, not the function\'s', async () => {
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = eu.endpoint;
  const { arn } = eu.putSecret(`Shop/prod/db-${++seq}`, 'eu-value');
  expect(await getSecrets(arn)).toEqual(['eu-value']);
  expect(eu.requests.map((r) => r.region)).toEqual(['eu-west-1']);
});

test('a partial ARN (no random suffix) is read from its region', async () => {
  endpointPerRegion();
  const name = `Shop/prod/db-${++seq}`;
  eu.putSecret(name, 'eu-partial');
  const partial = `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${name}`;
  expect(await getSecrets(partial)).toEqual(['eu-partial']);
  expect(eu.requests.map((r) => [r.operation, r.region])).toEqual([['GetSecretValue', 'eu-west-1']]);
  expect(home.requests).toHaveLength(0);
});

test('names and ARNs of several regions in one call: one batch per region, each from its region', async () => {
  endpointPerRegion();
  const [n1, n2] = [`local-${++seq}`, `local-${++seq}`];
  home.putSecret(n1, 'home-1');
  home.putSecret(n2, 'home-2');
  const { arn: homeArn } = home.putSecret(`local-${++seq}`, 'home-arn');
  const { arn: eu1 } = eu.putSecret(`Shop/prod/a-${++seq}`, 'eu-1');
  const { arn: eu2 } = eu.putSecret(`Shop/prod/b-${++seq}`, 'eu-2');
  expect(await getSecrets(n1, eu1, homeArn, eu2, n2)).toEqual(['home-1', 'eu-1', 'home-arn', 'eu-2', 'home-2']);
  // An ARN of the default region shares the default client's batch with the names.
  expect(home.requests).toEqual([expect.objectContaining({ operation: 'BatchGetSecretValue', secretIds: [n1, homeArn, n2], region: 'us-east-1' })]);
  expect(eu.requests).toEqual([expect.objectContaining({ operation: 'BatchGetSecretValue', secretIds: [eu1, eu2], region: 'eu-west-1' })]);
});

test('a missing secret in another region names that region', async () => {
  endpointPerRegion();
  const arn = `arn:aws:secretsmanager:eu-west-1:111122223333:secret:missing-${++seq}`;
  await expect(getSecrets(arn)[0]).rejects.toMatchObject({ code: 'ResourceNotFoundException', region: 'eu-west-1' });
});

test('the client of another region is created once and reused', async () => {
  endpointPerRegion();
  const { arn: a } = eu.putSecret(`Shop/prod/c-${++seq}`, 'c');
  const { arn: b } = eu.putSecret(`Shop/prod/d-${++seq}`, 'd');
  const made: Array<string | undefined> = [];
  configureSecrets({
    clientConfig: (region: string | undefined) => {
      made.push(region);
      return { endpoint: region === 'eu-west-1' ? eu.endpoint : home.endpoint };
    },
  });
  await getSecrets(a);
  await getSecrets(b);
  expect(made).toEqual([undefined, 'eu-west-1']);
});

test('with your own client, names go through it and ARNs of another region through a client the runtime creates', async () => {
  delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
  const client = new SecretsManagerClient({ region: 'us-east-1', endpoint: home.endpoint });
  let sent = 0;
  const send = client.send.bind(client);
  client.send = ((...args: Parameters<typeof send>) => {
    sent++;
    return send(...args);
  }) as typeof client.send;
  configureSecrets({ client, clientConfig: () => ({ endpoint: eu.endpoint }) });
  const name = `local-${++seq}`;
  home.putSecret(name, 'home-via-own-client');
  const { arn } = eu.putSecret(`Shop/prod/e-${++seq}`, 'eu-via-runtime-client');
  expect(await getSecrets(name, arn)).toEqual(['home-via-own-client', 'eu-via-runtime-client']);
  expect(sent).toBe(1);
  expect(home.requests.map((r) => r.region)).toEqual(['us-east-1']);
  expect(eu.requests.map((r) => r.region)).toEqual(['eu-west-1']);
  client.destroy();
});
