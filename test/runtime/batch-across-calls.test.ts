/*
 * Misses started in the same tick go out together, whichever calls started them: one
 * BatchGetSecretValue (per region, 20 ids per request) for any mix of getSecrets and getSecretJson,
 * with each value and error routed to its caller. Real SDK over real HTTP against the local fake.
 */
import { rejection, useFakeSecretsManager } from './helpers';
import { getSecretJson, getSecrets, SecretNotFoundError } from '../../lib/runtime';
import { FakeSecretsManager } from '../support/fake-secrets-manager';

let fake: FakeSecretsManager;
let seq = 0;

function seed(count: number, value = (name: string) => `value-${name}`): string[] {
  return Array.from({ length: count }, () => {
    const name = `batch/secret-${++seq}`;
    fake.putSecret(name, value(name));
    return name;
  });
}

useFakeSecretsManager((started) => {
  fake = started;
});

test('getSecrets and getSecretJson started together cost one BatchGetSecretValue (the Checkout handler cold start)', async () => {
  const [key] = seed(1);
  const [db] = seed(1, () => JSON.stringify({ username: 'app', password: 'pw-1' }));
  const [[stripe], creds] = await Promise.all([getSecrets(key), getSecretJson<{ username: string }>(db)]);
  expect(stripe).toBe(`value-${key}`);
  expect(creds.username).toBe('app');
  expect(fake.requests.map(({ operation, secretIds }) => ({ operation, secretIds })))
    .toEqual([{ operation: 'BatchGetSecretValue', secretIds: [key, db] }]);
});

test('single-id calls made one after another in the same turn share one request', async () => {
  const names = seed(5);
  const promises = names.map((name) => getSecrets(name)[0]);
  expect(await Promise.all(promises)).toEqual(names.map((n) => `value-${n}`));
  expect(fake.calls.BatchGetSecretValue).toBe(1);
  expect(fake.calls.GetSecretValue).toBe(0);
});

test('misses of many calls in one turn are chunked by 20 across calls', async () => {
  const names = seed(30);
  const values = await Promise.all([getSecrets(...names.slice(0, 10)), getSecrets(...names.slice(10, 20)), getSecrets(...names.slice(20))]);
  expect(values.flat()).toEqual(names.map((n) => `value-${n}`));
  expect(fake.calls.BatchGetSecretValue).toBe(2);
  expect(fake.requests.every((r) => r.secretIds.length <= 20)).toBe(true);
});

test('an error in the shared batch rejects only the caller of that secret', async () => {
  const [a] = seed(1);
  const missing = `batch/missing-${++seq}`;
  const pa = getSecrets(a)[0];
  const pm = getSecretJson(missing);
  expect(await pa).toBe(`value-${a}`);
  const error = await rejection(pm);
  expect(error).toBeInstanceOf(SecretNotFoundError);
  expect(error.secretId).toBe(missing);
  expect(fake.calls.BatchGetSecretValue).toBe(1);
});

test('a read of a version stage in the same turn is fetched apart, with GetSecretValue', async () => {
  const [a, b] = seed(2);
  fake.putSecret(b, 'pending-b', { versionStage: 'AWSPENDING' });
  const [va, vb, pending] = await Promise.all([getSecrets(a)[0], getSecrets(b)[0], getSecrets(b, { versionStage: 'AWSPENDING' })[0]]);
  expect([va, vb, pending]).toEqual([`value-${a}`, `value-${b}`, 'pending-b']);
  expect(fake.calls.BatchGetSecretValue).toBe(1);
  expect(fake.calls.GetSecretValue).toBe(1);
});

test('a read started after an await is its own request (batching spans one turn, not a time window)', async () => {
  const [a, b] = seed(2);
  await getSecrets(a)[0];
  await getSecrets(b)[0];
  expect(fake.calls.GetSecretValue).toBe(2);
  expect(fake.calls.BatchGetSecretValue).toBe(0);
});

test('a miss started after an await goes out apart, even with nothing to wait for (batching spans one synchronous run of code)', async () => {
  const [a, b] = seed(2);
  const first = getSecrets(a)[0];
  await Promise.resolve(); // no I/O, no timer: the same turn of the event loop, but the first miss has gone out
  const second = getSecrets(b)[0];
  expect(await Promise.all([first, second])).toEqual([`value-${a}`, `value-${b}`]);
  expect(fake.calls.BatchGetSecretValue).toBe(0);
  expect(fake.calls.GetSecretValue).toBe(2);
});

test('async functions started together that each await before reading still share one batch', async () => {
  const [a, b] = seed(2);
  const config = Promise.resolve({ region: 'us-east-1' });
  const read = async (id: string): Promise<string> => {
    await config;
    return getSecrets(id)[0];
  };
  expect(await Promise.all([read(a), read(b)])).toEqual([`value-${a}`, `value-${b}`]);
  expect(fake.requests.map(({ operation, secretIds }) => ({ operation, secretIds })))
    .toEqual([{ operation: 'BatchGetSecretValue', secretIds: [a, b] }]);
});

describe('forced reads over the SDK stay in the turn\'s batch (only a caching extension needs them apart)', () => {
  test('a cold getSecrets(a, b) and a forced getSecretJson(a) started together cost one BatchGetSecretValue', async () => {
    const [a, b] = seed(2, () => JSON.stringify({ password: 'pw' }));
    const [values, json] = await Promise.all([getSecrets(a, b), getSecretJson<{ password: string }>(a, { forceRefresh: true })]);
    expect(values).toEqual([JSON.stringify({ password: 'pw' }), JSON.stringify({ password: 'pw' })]);
    expect(json.password).toBe('pw');
    expect(fake.requests.map(({ operation, secretIds }) => ({ operation, secretIds })))
      .toEqual([{ operation: 'BatchGetSecretValue', secretIds: [a, b] }]);
  });

  test('after a forced refresh of one id, an expiry refresh of it and another id still costs one BatchGetSecretValue', async () => {
    const [db, stripe] = seed(2);
    await getSecrets(db, stripe);
    await getSecrets(db, { forceRefresh: true });
    fake.resetCalls();
    expect(await getSecrets(db, stripe, { maxAgeSeconds: 0 })).toEqual([`value-${db}`, `value-${stripe}`]);
    expect(fake.requests.map(({ operation, secretIds }) => ({ operation, secretIds })))
      .toEqual([{ operation: 'BatchGetSecretValue', secretIds: [db, stripe] }]);
  });
});
