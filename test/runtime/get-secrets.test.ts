/*
 * getSecrets / getSecretJson over real HTTP against a local Secrets Manager endpoint
 * (test/support/fake-secrets-manager.ts), with the real AWS SDK client.
 */
import { SecretsManagerClient, CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { lambdaLikeEnv, rejection, runNode } from './helpers';
import { PLACEHOLDER_MARKER_KEY, PLACEHOLDER_MARKER_TEXT } from '../../lib/env-contract';
import {
  clearSecretCache,
  configureSecrets,
  getSecretJson,
  getSecrets,
  SecretAccessDeniedError,
  SecretBinaryError,
  SecretDecryptionError,
  SecretError,
  SecretFetchError,
  SecretJsonError,
  SecretNotFoundError,
  SecretPlaceholderError,
} from '../../lib/runtime';
import { resetSecretsRuntime } from '../../lib/runtime/reset';
import { FakeSecretsManager, startFakeSecretsManager } from '../support/fake-secrets-manager';

const originalEnv = process.env;
let fake: FakeSecretsManager;
let seq = 0;

/** A fresh secret name per use, so tests never see each other's values. */
function uniqueName(prefix = 'app/secret'): string {
  return `${prefix}-${++seq}`;
}

/** Seed `count` secrets whose values are `value-<name>`; returns their names. */
function seed(count: number): string[] {
  return Array.from({ length: count }, () => {
    const name = uniqueName();
    fake.putSecret(name, `value-${name}`);
    return name;
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

beforeAll(async () => {
  fake = await startFakeSecretsManager();
});

afterAll(async () => {
  resetSecretsRuntime();
  process.env = originalEnv;
  await fake.close();
});

beforeEach(() => {
  process.env = {
    ...originalEnv,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: fake.endpoint,
    AWS_REGION: fake.region,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  };
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  resetSecretsRuntime();
  fake.clearFaults();
  fake.resetCalls();
});

describe('values and shapes', () => {
  test('each item of the result is a promise of that id value, in order', async () => {
    const [a, b] = seed(2);
    const [pa, pb] = getSecrets(a, b);
    expect(await pb).toBe(`value-${b}`);
    expect(await pa).toBe(`value-${a}`);
  });

  test('awaiting the whole result gives a plain array of values', async () => {
    const [a, b, c] = seed(3);
    const values = await getSecrets(a, b, c);
    expect(values).toEqual([`value-${a}`, `value-${b}`, `value-${c}`]);
    expect(Array.isArray(values)).toBe(true);
    expect(Object.getPrototypeOf(values)).toBe(Array.prototype);
  });

  test('the result list indexes, spreads, iterates and maps like an array, with the indexes as its only keys', async () => {
    const [a, b] = seed(2);
    for (const result of [getSecrets(a, b), getSecrets(a, b)]) { // a miss, then a hit
      expect(Object.keys(result)).toEqual(['0', '1']);
      expect(result).toHaveLength(2);
      expect([...result]).toEqual([result[0], result[1]]);
      expect(Array.from(result)).toEqual([result[0], result[1]]);
      expect(await Promise.all(result.map((p) => p.then((v) => v.length)))).toEqual([`value-${a}`.length, `value-${b}`.length]);
      expect(await Promise.all(result)).toEqual([`value-${a}`, `value-${b}`]);
    }
  });

  test('the result list is a native promise of all the values: await, then, catch and Promise.resolve behave as for any promise', async () => {
    const [a, b] = seed(2);
    const miss = getSecrets(a, b);
    expect(miss).toBeInstanceOf(Promise);
    expect(Promise.resolve(miss)).toBe(miss);
    expect(await miss.then((values) => values.join('+'))).toBe(`value-${a}+value-${b}`);
    const hit = getSecrets(a);
    expect(hit).toBeInstanceOf(Promise);
    // Callbacks run asynchronously, as Promises/A+ requires, even when every value is cached.
    const order: string[] = [];
    const done = hit.then(() => order.push('then'));
    order.push('sync');
    await done;
    expect(order).toEqual(['sync', 'then']);
    const failing = getSecrets(uniqueName());
    await expect(failing.catch((e: unknown) => (e as Error).name)).resolves.toBe('SecretNotFoundError');
    await expect(failing[0]).rejects.toThrow(/was not found/);
  });

  test('a secret can be read by full ARN and by partial ARN without the random suffix', async () => {
    const name = uniqueName();
    const { arn } = fake.putSecret(name, 'by-arn');
    const other = seed(1)[0];
    const partial = arn.slice(0, -7);
    expect(await getSecrets(arn, other)).toEqual(['by-arn', `value-${other}`]);
    clearSecretCache();
    expect(await getSecrets(partial, other)).toEqual(['by-arn', `value-${other}`]);
    expect(fake.calls.BatchGetSecretValue).toBe(2);
  });

  test('the same id twice in one call is fetched once and given twice', async () => {
    const [a, b] = seed(2);
    expect(await getSecrets(a, b, a)).toEqual([`value-${a}`, `value-${b}`, `value-${a}`]);
    expect(fake.requests.map((r) => r.secretIds)).toEqual([[a, b]]);
  });

  test('types: awaiting gives a tuple of strings and destructuring gives promises (checked by tsc)', async () => {
    const [a, b] = seed(2);
    const values: [string, string] = await getSecrets(a, b, { maxAgeSeconds: 60 });
    const [pa]: [Promise<string>] = getSecrets(a);
    expect(values).toEqual([`value-${a}`, `value-${b}`]);
    expect(await pa).toBe(`value-${a}`);
  });

  test('a non-string id throws a TypeError pointing at getEnv', () => {
    expect(() => getSecrets(undefined as unknown as string)).toThrow(/argument 1 must be a secret name or ARN.*getEnv/);
  });

  test('an id with leading or trailing whitespace (a pasted name) throws a TypeError showing it quoted, and sends nothing', () => {
    const [a] = seed(1);
    fake.resetCalls();
    expect(() => getSecrets(`${a}\n`)).toThrow(`getSecrets: argument 1 must be a secret name or ARN, got "${a}\\n"`);
    expect(() => getSecrets(a, ` ${a}`)).toThrow(/argument 2 .*got " app\/secret-\d+" \(with leading or trailing whitespace/);
    expect(() => getSecretJson(`${a}\t`)).toThrow(/whitespace/);
    expect(fake.calls.GetSecretValue + fake.calls.BatchGetSecretValue).toBe(0);
  });

  test('a bad id after good ones throws and leaves the good ones readable (nothing is half-queued)', async () => {
    const [a, b] = seed(2);
    await getSecrets(b, { maxAgeSeconds: 0.05 });
    await sleep(80); // b has expired: the bad call below would start its refresh
    expect(() => getSecrets(a, b, process.env.NOT_SET as string, { maxAgeSeconds: 0.05 })).toThrow(/argument 3 must be a secret name/);
    const read = getSecrets(a, b, { maxAgeSeconds: 0.05 });
    await expect(Promise.race([read, sleep(3000).then(() => 'still pending')])).resolves.toEqual([`value-${a}`, `value-${b}`]);
  });

  test('cached result lists stay usable when async context tracking starts after they were made (AsyncLocalStorage)', async () => {
    const [a, b] = seed(2);
    // A fresh process, as a function is: jest's own process tracks async context from the start.
    const script = `
      const { AsyncLocalStorage } = require('node:async_hooks');
      const { getSecrets } = require('./lib/runtime');
      (async () => {
        await getSecrets('${a}', '${b}');
        getSecrets('${a}'); // the shared one-id list
        getSecrets('${a}', '${b}'); // the shared list of both
        // A tracer or logger starting its context only now: Node then tags every promise it sees.
        new AsyncLocalStorage().enterWith({ requestId: 'r-1' });
        console.log(JSON.stringify([await getSecrets('${a}'), await getSecrets('${a}', '${b}')]));
      })();`;
    const { code, stdout, stderr } = await runNode(script, lambdaLikeEnv(fake.endpoint, fake.region));
    expect({ code, stdout: stdout.trim(), stderr: stderr.match(/.*Error.*/g) ?? [] })
      .toEqual({ code: 0, stdout: JSON.stringify([[`value-${a}`], [`value-${a}`, `value-${b}`]]), stderr: [] });
  });

  // A handler reading (stripe, webhook) on one path and (stripe, db) on another: without a list per
  // shape, each read built a new list (~40 µs, against ~0.5 µs for a shared one).
  test('warm reads of several id lists that begin with the same id each get their shared list back', async () => {
    const [a, b, c] = seed(3);
    await getSecrets(a, b, c);
    const ab = getSecrets(a, b);
    const ac = getSecrets(a, c);
    const abc = getSecrets(a, b, c);
    expect(getSecrets(a, b)).toBe(ab);
    expect(getSecrets(a, c)).toBe(ac);
    expect(getSecrets(a, b, c)).toBe(abc);
    expect(await getSecrets(a, c)).toEqual([`value-${a}`, `value-${c}`]);
  });

  test('a shared result list cannot be changed by one caller for the next', async () => {
    const [a] = seed(1);
    await getSecrets(a);
    const list = getSecrets(a);
    expect(() => {
      (list as unknown as Promise<string>[])[0] = Promise.resolve('tampered');
    }).toThrow(TypeError);
    expect(await getSecrets(a)[0]).toBe(`value-${a}`);
  });

  test('the awaited values are read-only on the first (cold) read as on every warm one, so a handler changing them fails in its first test', async () => {
    const [a, b, c] = seed(3);
    const cold = await getSecrets(a, b);
    const warm = await getSecrets(a, b);
    expect(Object.isFrozen(warm)).toBe(true); // shared by every warm read
    expect(Object.isFrozen(cold)).toBe(true);
    expect(() => (cold as string[]).push('x')).toThrow(TypeError);
    expect(Object.isFrozen(await getSecrets(c))).toBe(true); // one id, cold
    expect(Object.isFrozen(await getSecrets(c))).toBe(true); // one id, warm
  });
});

describe('batching', () => {
  // Names are unique per account only: a batch answering both a name and another account's ARN can
  // hold two values of that name.
  test('a name batched with another account\'s ARN of the same name gets this account\'s value', async () => {
    const name = uniqueName('partner-token');
    fake.putSecret(name, 'own-account-value');
    const { arn } = fake.putSecret(name, 'other-account-value', { accountId: '222222222222' });
    expect(await getSecrets(name, arn.slice(0, -7))).toEqual(['own-account-value', 'other-account-value']);
  });

  test('a name that only another account has, batched with that account\'s ARN, is not found', async () => {
    const name = uniqueName('partner-token');
    const { arn } = fake.putSecret(name, 'other-account-value', { accountId: '222222222222' });
    const [own, other] = getSecrets(name, arn);
    await expect(own).rejects.toBeInstanceOf(SecretNotFoundError);
    expect(await other).toBe('other-account-value');
  });

  // AWS lists the operations that cross-account permission applies to: GetSecretValue is one,
  // BatchGetSecretValue is not. A batch may so refuse another account's secret that GetSecretValue reads.
  test.each(['access-denied', 'not-found'] as const)('another account\'s ARN refused in a batch (%s) is read with GetSecretValue, with the own secret in the batch', async (kind) => {
    const own = uniqueName('stripe-api-key');
    fake.putSecret(own, 'own-value');
    const { arn } = fake.putSecret(uniqueName('partner-token'), 'partner-value', { accountId: '222222222222' });
    const partial = arn.slice(0, -7); // what AppSecret writes for a reader in another account
    fake.injectFault({ operation: 'BatchGetSecretValue', secretId: partial, kind });
    expect(await getSecrets(own, partial)).toEqual(['own-value', 'partner-value']);
    expect(fake.requests.map(({ operation, secretIds }) => ({ operation, secretIds })))
      .toEqual([{ operation: 'BatchGetSecretValue', secretIds: [own, partial] }, { operation: 'GetSecretValue', secretIds: [partial] }]);
  });

  test('a secret of the own account denied in a batch is still SecretAccessDeniedError, by name and by ARN', async () => {
    const [a, b] = seed(2);
    const { arn } = fake.putSecret(b, `value-${b}`);
    fake.injectFault({ secretId: a, kind: 'access-denied' });
    fake.injectFault({ secretId: arn, kind: 'access-denied' });
    const [byName, byArn] = getSecrets(a, arn);
    expect(await rejection(byName)).toBeInstanceOf(SecretAccessDeniedError);
    expect(await rejection(byArn)).toBeInstanceOf(SecretAccessDeniedError);
  });

  test.each([
    [1, 0, 1],
    [2, 1, 0],
    [20, 1, 0],
    [21, 2, 0],
    [45, 3, 0],
  ])('%i uncached ids cost %i BatchGetSecretValue and %i GetSecretValue requests', async (count, batches, singles) => {
    const names = seed(count);
    const values = await getSecrets(...names);
    expect(values).toEqual(names.map((n) => `value-${n}`));
    expect(fake.calls.BatchGetSecretValue).toBe(batches);
    expect(fake.calls.GetSecretValue).toBe(singles);
    expect(fake.requests.every((r) => r.secretIds.length <= 20)).toBe(true);
  });

  test('only the ids missing from the cache are fetched', async () => {
    const [a, b, c] = seed(3);
    await getSecrets(a);
    fake.resetCalls();
    await getSecrets(a, b, c);
    expect(fake.requests.map(({ operation, secretIds }) => ({ operation, secretIds }))).toEqual([{ operation: 'BatchGetSecretValue', secretIds: [b, c] }]);
  });

  test('a per-secret error in a batch rejects only that item', async () => {
    const [a] = seed(1);
    const missing = uniqueName('missing');
    const [pa, pm] = getSecrets(a, missing);
    expect(await pa).toBe(`value-${a}`);
    await expect(pm).rejects.toBeInstanceOf(SecretNotFoundError);
    expect(fake.calls.BatchGetSecretValue).toBe(1);
  });

  test('when BatchGetSecretValue is denied, ids are fetched with GetSecretValue and batch is never tried again', async () => {
    fake.injectFault({ operation: 'BatchGetSecretValue', kind: 'access-denied' });
    const first = seed(3);
    expect(await getSecrets(...first)).toEqual(first.map((n) => `value-${n}`));
    expect(fake.calls.BatchGetSecretValue).toBe(1);
    expect(fake.calls.GetSecretValue).toBe(3);
    fake.resetCalls();
    const second = seed(2);
    expect(await getSecrets(...second)).toEqual(second.map((n) => `value-${n}`));
    expect(fake.calls.BatchGetSecretValue).toBe(0);
    expect(fake.calls.GetSecretValue).toBe(2);
  });
});

describe('cache', () => {
  test('a warm call makes no request and returns the same promise object', async () => {
    const [a] = seed(1);
    const [first] = getSecrets(a);
    await first;
    fake.resetCalls();
    const [second] = getSecrets(a);
    expect(second).toBe(first);
    expect(await second).toBe(`value-${a}`);
    expect(fake.requests).toHaveLength(0);
  });

  test('100 concurrent calls for one id cost one request', async () => {
    const [a] = seed(1);
    const values = await Promise.all(Array.from({ length: 100 }, () => getSecrets(a)));
    expect(values.every(([v]) => v === `value-${a}`)).toBe(true);
    expect(fake.requests).toHaveLength(1);
  });

  test('a failed fetch is not cached: the next call fetches again', async () => {
    const [a] = seed(1);
    fake.injectFault({ secretId: a, kind: 'access-denied', times: 1 });
    await expect(getSecrets(a)[0]).rejects.toBeInstanceOf(SecretAccessDeniedError);
    expect(await getSecrets(a)[0]).toBe(`value-${a}`);
    expect(fake.calls.GetSecretValue).toBe(2);
  });

  test('a value older than maxAgeSeconds is fetched again', async () => {
    const [a] = seed(1);
    await getSecrets(a, { maxAgeSeconds: 0.05 });
    fake.putSecret(a, 'rotated');
    expect(await getSecrets(a, { maxAgeSeconds: 0.05 })).toEqual([`value-${a}`]);
    await sleep(80);
    expect(await getSecrets(a, { maxAgeSeconds: 0.05 })).toEqual(['rotated']);
    expect(fake.calls.GetSecretValue).toBe(2);
  });

  test('the process-wide TTL comes from CDK_APP_SECRETS_MAX_AGE_SECONDS', async () => {
    process.env.CDK_APP_SECRETS_MAX_AGE_SECONDS = '0';
    const [a] = seed(1);
    await getSecrets(a);
    await getSecrets(a);
    expect(fake.calls.GetSecretValue).toBe(2);
  });

  test('configureSecrets overrides the environment variable', async () => {
    process.env.CDK_APP_SECRETS_MAX_AGE_SECONDS = '0';
    configureSecrets({ maxAgeSeconds: 300 });
    const [a] = seed(1);
    await getSecrets(a);
    await getSecrets(a);
    expect(fake.calls.GetSecretValue).toBe(1);
  });

  test('forceRefresh fetches a fresh value and caches it', async () => {
    const [a] = seed(1);
    await getSecrets(a);
    fake.putSecret(a, 'rotated');
    expect(await getSecrets(a, { forceRefresh: true })).toEqual(['rotated']);
    expect(await getSecrets(a)).toEqual(['rotated']);
    expect(fake.calls.GetSecretValue).toBe(2);
  });

  test('clearSecretCache makes the next call fetch again', async () => {
    const [a] = seed(1);
    await getSecrets(a);
    clearSecretCache();
    await getSecrets(a);
    expect(fake.calls.GetSecretValue).toBe(2);
  });

  describe('in a handler unit test with Jest\'s fake timers', () => {
    afterEach(() => {
      jest.useRealTimers();
      jest.restoreAllMocks();
    });

    test('advancing them past maxAgeSeconds (or setting the system time) reads the value again', async () => {
      jest.useFakeTimers();
      const [a] = seed(1);
      await getSecrets(a);
      fake.putSecret(a, 'rotated');
      jest.advanceTimersByTime(299_000);
      expect(await getSecrets(a)).toEqual([`value-${a}`]);
      jest.advanceTimersByTime(2_000);
      expect(await getSecrets(a)).toEqual(['rotated']);
      fake.putSecret(a, 'rotated-again');
      jest.setSystemTime(Date.now() + 301_000);
      expect(await getSecrets(a)).toEqual(['rotated-again']);
    });

    test('a read whose answer never comes fails at its deadline once the timers advance with advanceTimersByTimeAsync', async () => {
      jest.useFakeTimers();
      jest.spyOn(SecretsManagerClient.prototype, 'send').mockImplementation((() => new Promise(() => {})) as never);
      const [p] = getSecrets('app/never-answered');
      // The fetch starts after the current synchronous code: the async variant lets it start, then reaches its deadline.
      await jest.advanceTimersByTimeAsync(2000);
      await expect(p).rejects.toMatchObject({ code: 'DeadlineExceeded', timeoutMs: 2000 });
    });
  });

  test('with serveStale, a failed refresh returns the expired value, and the next read refreshes in the background', async () => {
    const [a] = seed(1);
    await getSecrets(a, { maxAgeSeconds: 0.05 });
    await sleep(80);
    fake.injectFault({ secretId: a, kind: 'server-error' });
    expect(await getSecrets(a, { maxAgeSeconds: 0.05, serveStale: true })).toEqual([`value-${a}`]);
    fake.clearFaults();
    fake.putSecret(a, 'rotated');
    // After a failed refresh the expired value comes at once; the refresh it starts updates the cache.
    expect(await getSecrets(a, { maxAgeSeconds: 0.05, serveStale: true })).toEqual([`value-${a}`]);
    await sleep(100);
    expect(await getSecrets(a, { maxAgeSeconds: 10, serveStale: true })).toEqual(['rotated']);
  });

  test('a per-call serveStale serves a value a plain read fetched, even after the cache swept expired values', async () => {
    const [a] = seed(1);
    configureSecrets({ maxAgeSeconds: 0.5 });
    await getSecrets(a);
    await sleep(1100); // expired, and the once-a-second sweep is due
    await getSecrets(seed(1)[0]); // a miss runs the sweep
    fake.injectFault({ secretId: a, kind: 'server-error' });
    expect(await getSecrets(a, { serveStale: true })).toEqual([`value-${a}`]);
  });

  test('without serveStale, a failed refresh rejects', async () => {
    const [a] = seed(1);
    await getSecrets(a, { maxAgeSeconds: 0.05 });
    await sleep(80);
    fake.injectFault({ secretId: a, kind: 'access-denied' });
    await expect(getSecrets(a, { maxAgeSeconds: 0.05 })[0]).rejects.toBeInstanceOf(SecretAccessDeniedError);
  });

  test('a version stage is read with GetSecretValue and cached apart from the current value', async () => {
    const [a, b] = seed(2);
    fake.putSecret(a, 'pending-value', { versionStage: 'AWSPENDING' });
    fake.putSecret(b, 'pending-b', { versionStage: 'AWSPENDING' });
    expect(await getSecrets(a, b, { versionStage: 'AWSPENDING' })).toEqual(['pending-value', 'pending-b']);
    expect(fake.calls.BatchGetSecretValue).toBe(0);
    expect(fake.calls.GetSecretValue).toBe(2);
    expect(await getSecrets(a)).toEqual([`value-${a}`]);
    expect(await getSecrets(a, { versionStage: 'AWSPENDING' })).toEqual(['pending-value']);
    expect(fake.calls.GetSecretValue).toBe(3);
  });

  test('a version id is read with GetSecretValue', async () => {
    const name = uniqueName();
    const { versionId } = fake.putSecret(name, 'old');
    fake.putSecret(name, 'new');
    expect(await getSecrets(name, { versionId })).toEqual(['old']);
    expect(await getSecrets(name)).toEqual(['new']);
  });

  test('a version stage or id the secret does not have is named in the not-found error, not blamed on the name', async () => {
    const [a] = seed(1); // one version, AWSCURRENT only: no AWSPREVIOUS before a first rotation
    for (const [options, what] of [[{ versionStage: 'AWSPREVIOUS' }, 'labelled AWSPREVIOUS'], [{ versionId: 'no-such-version-0000000000000000000' }, 'with id no-such-version-0000000000000000000']] as const) {
      const error = await rejection(getSecrets(a, options)[0]);
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect(error).toMatchObject({ secretId: a, code: 'ResourceNotFoundException', region: 'us-east-1' });
      expect(error.message).toContain(`secret ${a} has no version ${what} in region us-east-1, or the secret itself was not found there`);
    }
  });
});

describe('transient failures and timeouts', () => {
  test('throttling is retried by the SDK and then succeeds', async () => {
    const [a] = seed(1);
    fake.injectFault({ kind: 'throttle', times: 1 });
    expect(await getSecrets(a)).toEqual([`value-${a}`]);
    expect(fake.calls.GetSecretValue).toBe(2);
  });

  test('a 500 on a batch is retried by the SDK and then succeeds', async () => {
    const names = seed(3);
    fake.injectFault({ operation: 'BatchGetSecretValue', kind: 'server-error', times: 1 });
    expect(await getSecrets(...names)).toEqual(names.map((n) => `value-${n}`));
    expect(fake.calls.BatchGetSecretValue).toBe(2);
  });

  test('a dropped connection is retried and then succeeds', async () => {
    const [a] = seed(1);
    fake.injectFault({ kind: 'drop-connection', times: 1 });
    expect(await getSecrets(a)).toEqual([`value-${a}`]);
    expect(fake.calls.GetSecretValue).toBe(2);
  });

  test('an answer slower than the request timeout fails with TimeoutError after maxAttempts', async () => {
    const [a] = seed(1);
    configureSecrets({ requestTimeoutMs: 100, clientConfig: { maxAttempts: 2 } });
    fake.injectFault({ kind: 'slow', delayMs: 5000 });
    const error = await getSecrets(a)[0].catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretFetchError);
    expect(error).toMatchObject({ code: 'TimeoutError', secretId: a });
    expect(fake.calls.GetSecretValue).toBe(2);
  });

  test('throttling that outlasts the retries rejects with the AWS error name', async () => {
    const [a] = seed(1);
    configureSecrets({ clientConfig: { maxAttempts: 2 } });
    fake.injectFault({ kind: 'throttle' });
    const error = await getSecrets(a)[0].catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretFetchError);
    expect((error as SecretError).code).toBe('ThrottlingException');
    expect((error as Error).message).toContain(`reading secret ${a} failed with ThrottlingException`);
  });
});

describe('typed errors with actionable messages', () => {
  test('a missing secret rejects with SecretNotFoundError naming the secret and region', async () => {
    const missing = uniqueName('missing');
    const error = await getSecrets(missing)[0].catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect(error).toMatchObject({ secretId: missing, code: 'ResourceNotFoundException', region: 'us-east-1' });
    expect((error as Error).message).toContain(`secret ${missing} was not found in region us-east-1`);
  });

  test('a secret scheduled for deletion says so and how to restore it, alone and in a batch', async () => {
    const [deleted, kept] = seed(2);
    fake.scheduleDeletion(deleted);
    const alone = await rejection(getSecrets(deleted)[0]);
    clearSecretCache();
    const [inBatch, other] = getSecrets(deleted, kept);
    for (const error of [alone, await rejection(inBatch)]) {
      expect(error).toBeInstanceOf(SecretFetchError);
      expect(error).toMatchObject({ secretId: deleted, code: 'InvalidRequestException' });
      expect(error.message).toContain(`secret ${deleted} cannot be read in its current state`);
      expect(error.message).toContain('scheduled for deletion');
      expect(error.message).toContain(`aws secretsmanager restore-secret --secret-id ${deleted}`);
      expect(error.message).not.toContain('network path');
    }
    expect(await other).toBe(`value-${kept}`);
  });

  test('access denied says which grant is missing', async () => {
    const [a] = seed(1);
    fake.injectFault({ secretId: a, kind: 'access-denied' });
    const error = await getSecrets(a)[0].catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretAccessDeniedError);
    expect((error as Error).message).toContain(`access to secret ${a} was denied`);
    expect((error as Error).message).toContain('secret.grantRead(fn)');
  });

  test('access denied for an ARN says another account must allow the role in its resource and key policies', async () => {
    const name = uniqueName();
    const { arn } = fake.putSecret(name, 'other-account-value', { accountId: '222222222222' });
    const partial = arn.slice(0, -7); // what AppSecret writes for a reader in another account
    fake.injectFault({ secretId: partial, kind: 'access-denied' });
    const error = await rejection(getSecrets(partial)[0]);
    expect(error).toBeInstanceOf(SecretAccessDeniedError);
    expect(error.message).toContain('secret.grantRead(fn)');
    expect(error.message).toMatch(/account 222222222222 .*resource policy.*key policy/);
  });

  test('access denied for a name does not talk about other accounts', async () => {
    const [a] = seed(1);
    fake.injectFault({ secretId: a, kind: 'access-denied' });
    expect((await rejection(getSecrets(a)[0])).message).not.toContain('account');
  });

  test.each([
    ['expired', 'ExpiredTokenException'],
    ['unknown to AWS', 'UnrecognizedClientException'],
    ['signed wrong (bad secret key, skewed clock)', 'InvalidSignatureException'],
  ])('credentials that are %s (%s) are named as the problem, not the network', async (_, errorType) => {
    const [a] = seed(1);
    fake.injectFault({ secretId: a, kind: 'access-denied', errorType });
    const error = await rejection(getSecrets(a)[0]);
    expect(error).toMatchObject({ code: errorType, secretId: a });
    expect(error.message).toMatch(/credentials/);
    expect(error.message).not.toContain('network path');
  });

  test('no credentials at all (a script without a profile) is named as the problem, not the network', async () => {
    const [a] = seed(1);
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    const error = await rejection(getSecrets(a)[0]);
    expect(error).toMatchObject({ code: 'CredentialsProviderError', secretId: a });
    expect(error.message).toMatch(/credentials/);
    expect(error.message).not.toContain('network path');
  });

  test('a version id Secrets Manager refuses as malformed is named as the problem, not the network', async () => {
    const [a] = seed(1);
    const error = await rejection(getSecrets(a, { versionId: 'v1' })[0]);
    expect(error).toMatchObject({ code: 'ValidationException', secretId: a });
    expect(error.message).toMatch(/refused it as invalid.*versionId/);
    expect(error.message).not.toContain('network path');
  });

  test('a KMS decryption failure points at kms:Decrypt and the key policy', async () => {
    const name = uniqueName();
    fake.putSecret(name, 'encrypted', { kmsUndecryptable: true });
    const error = await getSecrets(name)[0].catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretDecryptionError);
    expect((error as SecretError).code).toBe('DecryptionFailure');
    expect((error as Error).message).toMatch(/kms:Decrypt.*key policy/);
  });

  test('a KMS failure inside a batch maps to SecretDecryptionError for that item only', async () => {
    const [a, b] = seed(2);
    fake.injectFault({ operation: 'BatchGetSecretValue', secretId: b, kind: 'kms-decrypt' });
    const [pa, pb] = getSecrets(a, b);
    expect(await pa).toBe(`value-${a}`);
    await expect(pb).rejects.toBeInstanceOf(SecretDecryptionError);
  });

  test('a secret still holding the generated placeholder rejects with the put-secret-value command', async () => {
    const name = uniqueName();
    fake.putSecret(name, JSON.stringify({ [PLACEHOLDER_MARKER_KEY]: PLACEHOLDER_MARKER_TEXT, value: 'random-1234' }));
    const error = await getSecrets(name)[0].catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretPlaceholderError);
    expect((error as Error).message).toBe(
      `secret ${name} has not been given a value yet; set it with \`npx cdk-app-secrets set ${name}\` or \`aws secretsmanager put-secret-value --secret-id ${name} --secret-string ...\``);
  });

  test('a value that merely mentions the marker text is not a placeholder', async () => {
    const name = uniqueName();
    fake.putSecret(name, `{"note": "${PLACEHOLDER_MARKER_KEY}"}`);
    expect(await getSecrets(name)).toEqual([`{"note": "${PLACEHOLDER_MARKER_KEY}"}`]);
  });

  test('a binary secret rejects with SecretBinaryError', async () => {
    const name = uniqueName();
    fake.putSecret(name, new Uint8Array([1, 2, 3]));
    const error = await getSecrets(name)[0].catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretBinaryError);
    expect((error as Error).message).toContain('--secret-string');
  });

  describe('a handler unit test that mocks the SDK for GetSecretValue only (aws-sdk-client-mock stubs SecretsManagerClient.prototype.send)', () => {
    // What aws-sdk-client-mock's mockClient(SecretsManagerClient).on(GetSecretValueCommand, ...) does:
    // the stubbed send answers the commands it was set up for and resolves undefined for any other.
    const mockGetSecretValueOnly = (answer: (input: { SecretId?: string }) => unknown): void => {
      jest.spyOn(SecretsManagerClient.prototype, 'send').mockImplementation((async (command: { constructor: { name: string }; input: { SecretId?: string } }) =>
        command.constructor.name === 'GetSecretValueCommand' ? answer(command.input) : undefined) as never);
    };
    afterEach(() => jest.restoreAllMocks());

    test('reading two ids at once says to mock BatchGetSecretValue too, not to check the network', async () => {
      mockGetSecretValueOnly((input) => ({ Name: input.SecretId, SecretString: 'from-the-mock' }));
      expect(await getSecrets('app/one')).toEqual(['from-the-mock']);
      const error = await rejection(getSecrets('app/two', 'app/three'));
      expect(error).toBeInstanceOf(SecretFetchError);
      expect(error).toMatchObject({ secretId: 'app/two' });
      expect(error.message).toMatch(/BatchGetSecretValue/);
      expect(error.message).toMatch(/mock/);
      expect(error.message).not.toContain('network path');
    });

    test('without AWS_REGION a name fails with RegionMissing, telling to set it, though the mock needs no region', async () => {
      delete process.env.AWS_REGION;
      delete process.env.AWS_DEFAULT_REGION;
      mockGetSecretValueOnly((input) => ({ Name: input.SecretId, SecretString: 'from-the-mock' }));
      const error = await rejection(getSecrets('app/one'));
      expect(error).toMatchObject({ code: 'RegionMissing', secretId: 'app/one' });
      expect(error.message).toContain('set AWS_REGION');
    });

    test('a mock answering every command with one value (no Name in the batch answer) says to mock BatchGetSecretValue, not to check the network', async () => {
      jest.spyOn(SecretsManagerClient.prototype, 'send').mockImplementation((async () => ({ SecretString: 'from-the-mock' })) as never);
      const error = await rejection(getSecrets('app/two', 'app/three'));
      expect(error.message).toMatch(/BatchGetSecretValue/);
      expect(error.message).toMatch(/mock/);
      expect(error.message).not.toContain('network path');
    });
  });

  test('a secret created through the real SDK is readable', async () => {
    const name = uniqueName();
    const client = new SecretsManagerClient({ endpoint: fake.endpoint });
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'created-via-sdk' }));
    client.destroy();
    expect(await getSecrets(name)).toEqual(['created-via-sdk']);
  });
});

describe('getSecretJson', () => {
  test('returns the parsed object', async () => {
    const name = uniqueName();
    fake.putSecret(name, '{"username":"app","port":5432}');
    const db = await getSecretJson<{ username: string; port: number }>(name);
    expect(db).toEqual({ username: 'app', port: 5432 });
  });

  test('invalid JSON rejects with the secret and position, never the value', async () => {
    const name = uniqueName();
    const value = '{\n  "user": "zz-leak-check",\n  "password": oops\n}';
    fake.putSecret(name, value);
    const error = await getSecretJson(name).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretJsonError);
    expect(error).toMatchObject({ secretId: name, line: 3, column: 15, position: value.indexOf('oops') });
    expect((error as Error).message).toContain(`secret ${name} is not valid JSON`);
    for (const part of ['zz-leak-check', 'oops', 'user', 'password']) {
      expect(String(error)).not.toContain(part);
      expect((error as Error).stack).not.toContain(part);
      expect(JSON.stringify(error)).not.toContain(part);
    }
  });

  test('a cached value is parsed once: every read of it shares one parsed object until the value changes', async () => {
    const name = uniqueName();
    fake.putSecret(name, '{"v":1}');
    const first = await getSecretJson(name);
    expect(await getSecretJson(name)).toBe(first);
    fake.putSecret(name, '{"v":2}');
    expect(await getSecretJson(name, { forceRefresh: true })).toEqual({ v: 2 });
    const refreshed = await getSecretJson(name);
    expect(refreshed).toEqual({ v: 2 });
    expect(await getSecretJson(name)).toBe(refreshed);
    expect(await getSecretJson(name, { versionStage: 'AWSCURRENT' })).not.toBe(refreshed); // another cache entry
  });

  // A handler that rebuilds its database pool when the credentials object changes would otherwise
  // reconnect at every expiry (5 minutes by default) though nothing was rotated.
  test('a refresh that brings the same value keeps the parsed object, for the reader that refreshed and later ones', async () => {
    const name = uniqueName();
    fake.putSecret(name, '{"username":"app","password":"pw"}');
    const first = await getSecretJson(name);
    expect(await getSecretJson(name, { maxAgeSeconds: 0 })).toBe(first); // expired: fetched again, same value
    expect(await getSecretJson(name, { forceRefresh: true })).toBe(first);
    expect(await getSecretJson(name)).toBe(first);
    expect(fake.calls.GetSecretValue).toBe(3);
  });

  test('a handler cannot change the parsed object for the next read: it is read-only, nested objects and arrays too', async () => {
    const name = uniqueName();
    fake.putSecret(name, '{"username":"app","password":"pw","hosts":[{"port":5432}]}');
    const db = await getSecretJson<{ username: string; password?: string; hosts: Array<{ port: number }> }>(name);
    // What a handler might do after connecting, e.g. to log the config without the password.
    expect(() => delete db.password).toThrow(TypeError);
    expect(() => db.hosts[0].port = 1).toThrow(TypeError);
    expect(() => db.hosts.push({ port: 2 })).toThrow(TypeError);
    expect(await getSecretJson(name)).toEqual({ username: 'app', password: 'pw', hosts: [{ port: 5432 }] });
  });

  test('a deeply nested valid value is returned read-only, not a RangeError', async () => {
    const name = uniqueName();
    fake.putSecret(name, '['.repeat(5000) + ']'.repeat(5000));
    let level = await getSecretJson<unknown[]>(name);
    for (let i = 0; i < 4999; i++) level = level[0] as unknown[];
    expect(Object.isFrozen(level)).toBe(true);
  });

  test('a value starting with a byte order mark (stored from a file a Windows editor wrote) is parsed', async () => {
    const name = uniqueName();
    fake.putSecret(name, '\uFEFF{"username":"app"}');
    expect(await getSecretJson(name)).toEqual({ username: 'app' });
    const invalid = uniqueName();
    fake.putSecret(invalid, '\uFEFF{"username": oops}');
    expect(await rejection(getSecretJson(invalid))).toMatchObject({ code: 'InvalidJson', position: 14, line: 1, column: 15 });
  });

  test('an invalid cached value rejects on every read, each with its own error', async () => {
    const name = uniqueName();
    fake.putSecret(name, 'not json');
    const first = await getSecretJson(name).catch((e: unknown) => e);
    const second = await getSecretJson(name).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(SecretJsonError);
    expect(second).toBeInstanceOf(SecretJsonError);
    expect(second).not.toBe(first);
    expect(fake.calls.GetSecretValue).toBe(1);
  });

  test('passes options through', async () => {
    const name = uniqueName();
    fake.putSecret(name, '{"v":1}');
    fake.putSecret(name, '{"v":2}', { versionStage: 'AWSPENDING' });
    expect(await getSecretJson(name, { versionStage: 'AWSPENDING' })).toEqual({ v: 2 });
  });
});

describe('no unhandled rejections', () => {
  const unhandled: unknown[] = [];
  const listener = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', listener);
  });
  afterEach(() => {
    process.off('unhandledRejection', listener);
  });

  async function settleEventLoop(): Promise<void> {
    await sleep(20);
  }

  test('awaiting the whole list when one item rejects', async () => {
    const [a] = seed(1);
    const missing = uniqueName('missing');
    await expect(getSecrets(a, missing, uniqueName('missing'))).rejects.toBeInstanceOf(SecretNotFoundError);
    await settleEventLoop();
    expect(unhandled).toEqual([]);
  });

  test('awaiting only some items while others reject', async () => {
    const [a] = seed(1);
    const [pa] = getSecrets(a, uniqueName('missing'));
    expect(await pa).toBe(`value-${a}`);
    await settleEventLoop();
    await settleEventLoop();
    expect(unhandled).toEqual([]);
  });

  test('never awaiting a rejected item', async () => {
    void getSecrets(uniqueName('missing'));
    await sleep(200);
    expect(unhandled).toEqual([]);
  });
});

describe('no secret value in errors or output', () => {
  test('errors across fault scenarios and captured stdout/stderr contain no seeded value', async () => {
    const marker = 'S3cr3t-Value-7f3a9';
    const names = Array.from({ length: 6 }, () => uniqueName('leak'));
    for (const n of names) fake.putSecret(n, `${marker}-${n}`);
    const placeholder = uniqueName('leak');
    fake.putSecret(placeholder, JSON.stringify({ [PLACEHOLDER_MARKER_KEY]: 'x', value: `${marker}-placeholder` }));
    const badJson = uniqueName('leak');
    fake.putSecret(badJson, `{"a": "${marker}-json", b}`);
    const kms = uniqueName('leak');
    fake.putSecret(kms, `${marker}-kms`, { kmsUndecryptable: true });

    const written: string[] = [];
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((chunk: unknown) => written.push(String(chunk)) > 0) as typeof process.stdout.write;
    process.stderr.write = ((chunk: unknown) => written.push(String(chunk)) > 0) as typeof process.stderr.write;
    const errors: unknown[] = [];
    const collect = async (promises: Iterable<Promise<unknown>>) => {
      for (const p of promises) await p.catch((e: unknown) => errors.push(e));
    };
    try {
      configureSecrets({ clientConfig: { maxAttempts: 1 }, requestTimeoutMs: 100 });
      await collect(getSecrets(placeholder, kms, names[0]));
      await collect([getSecretJson(badJson)]);
      fake.injectFault({ secretId: names[1], kind: 'access-denied' });
      fake.injectFault({ secretId: names[2], kind: 'throttle' });
      fake.injectFault({ secretId: names[3], kind: 'server-error' });
      fake.injectFault({ secretId: names[4], kind: 'slow', delayMs: 1000 });
      fake.injectFault({ secretId: names[5], kind: 'drop-connection' });
      // One read per turn, so each fault meets its own GetSecretValue (reads in one turn share a batch).
      for (const n of names.slice(1)) await collect([getSecrets(n)[0]]);
      await collect(getSecrets(names[1], names[2]));
      fake.clearFaults();
      fake.injectFault({ operation: 'BatchGetSecretValue', kind: 'server-error' });
      clearSecretCache();
      await collect(getSecrets(...names));
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }

    expect(errors.length).toBeGreaterThanOrEqual(14);
    expect(errors.every((e) => e instanceof SecretError)).toBe(true);
    // (The dropped connection's code depends on how the SDK wraps the socket error, so it is not listed.)
    expect(errors.map((e) => (e as SecretError).code)).toEqual(expect.arrayContaining([
      'PlaceholderNotSet', 'DecryptionFailure', 'InvalidJson', 'AccessDeniedException', 'ThrottlingException',
      'InternalServiceError', 'TimeoutError',
    ]));
    for (const e of errors) {
      const error = e as Error;
      for (const text of [error.message, error.stack ?? '', String(error), JSON.stringify(error)]) {
        expect(text).not.toContain(marker);
      }
    }
    expect(written.join('')).not.toContain(marker);
  });
});
