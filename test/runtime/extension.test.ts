/*
 * Reading through the AWS Parameters and Secrets Lambda Extension: over real HTTP against a local fake
 * of its protocol (test/support/fake-lambda-extension.ts), which reads from the fake Secrets Manager.
 * The extension's upstream requests are unsigned; the SDK's are signed: `region` tells them apart.
 */
import { spawn } from 'node:child_process';
import { AddressInfo, createServer } from 'node:net';
import * as path from 'node:path';
import { lambdaLikeEnv, rejection, restoreEnv, root, runNode, sleep, useEndpoint } from './helpers';
import { PLACEHOLDER_MARKER_KEY } from '../../lib/env-contract';
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
  SecretNotFoundError,
  SecretPlaceholderError,
  withSecrets,
} from '../../lib/runtime';
import { FakeLambdaExtension, startFakeLambdaExtension } from '../support/fake-lambda-extension';
import { FakeSecretsManager, startFakeSecretsManager } from '../support/fake-secrets-manager';

let fake: FakeSecretsManager;
let ext: FakeLambdaExtension;
let seq = 0;

function seed(value = (name: string) => `value-${name}`): string {
  const name = `ext/secret-${++seq}`;
  fake.putSecret(name, value(name));
  return name;
}

/** Requests the SDK made (signed), as opposed to the extension's own upstream reads. */
function sdkRequests() {
  return fake.requests.filter((r) => r.region !== undefined);
}

function withExtension(extra: NodeJS.ProcessEnv = {}): void {
  useEndpoint(fake.endpoint, fake.region);
  Object.assign(process.env, ext.env, extra);
}

beforeAll(async () => {
  fake = await startFakeSecretsManager();
  ext = await startFakeLambdaExtension({ secretsManagerEndpoint: fake.endpoint });
});
afterAll(async () => {
  restoreEnv();
  await ext.close();
  await fake.close();
});
beforeEach(() => {
  withExtension();
  fake.clearFaults();
  fake.resetCalls();
  ext.clearFaults();
  ext.resetRequests();
  ext.setReady(true);
});

describe('reads through the extension', () => {
  test('a miss is read from the extension with the session token, and the SDK makes no request', async () => {
    const a = seed();
    expect(await getSecrets(a)[0]).toBe(`value-${a}`);
    expect(ext.requests.map((r) => ({ secretId: r.secretId, token: r.token }))).toEqual([{ secretId: a, token: ext.token }]);
    expect(sdkRequests()).toHaveLength(0);
  });

  test('a cached value is served without asking the extension again', async () => {
    const a = seed();
    await getSecrets(a)[0];
    await getSecrets(a)[0];
    expect(ext.requests).toHaveLength(1);
  });

  test('the misses of one turn go to the extension in parallel, one request per id, each id once', async () => {
    const [a, b] = [seed(), seed(() => JSON.stringify({ user: 'u' }))];
    const [[va], vb, [va2]] = await Promise.all([getSecrets(a), getSecretJson<{ user: string }>(b), getSecrets(a)]);
    expect([va, vb.user, va2]).toEqual([`value-${a}`, 'u', `value-${a}`]);
    expect(ext.requests.map((r) => r.secretId).sort()).toEqual([a, b].sort());
    expect(sdkRequests()).toHaveLength(0);
  });

  test('a version stage and a version id are passed as query parameters', async () => {
    const a = seed();
    const { versionId } = fake.putSecret(a, 'pending', { versionStage: 'AWSPENDING' });
    expect(await getSecrets(a, { versionStage: 'AWSPENDING' })[0]).toBe('pending');
    expect(await getSecrets(a, { versionId })[0]).toBe('pending');
    expect(ext.requests.map((r) => [r.versionStage, r.versionId])).toEqual([['AWSPENDING', null], [null, versionId]]);
  });

  test('an id with characters that mean something in a URL arrives intact', async () => {
    const name = `ext/odd&name=+%?-${++seq}`;
    fake.putSecret(name, 'odd');
    expect(await getSecrets(name)[0]).toBe('odd');
    expect(ext.requests[0].secretId).toBe(name);
  });

  test('an ARN of another region is read with the SDK, not the extension', async () => {
    const a = seed();
    const arn = `arn:aws:secretsmanager:eu-west-1:${fake.accountId}:secret:${a}`;
    await getSecrets(arn)[0].catch(() => undefined);
    expect(ext.requests).toHaveLength(0);
    expect(sdkRequests()).toHaveLength(1);
  });
});

describe('typed errors from the extension, as over the SDK', () => {
  test('a missing secret rejects with SecretNotFoundError, without falling back', async () => {
    const error = await rejection(getSecrets(`ext/missing-${++seq}`)[0]);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect(sdkRequests()).toHaveLength(0);
  });

  test('access denied, KMS, placeholder and binary values map to their errors', async () => {
    const denied = seed();
    fake.injectFault({ secretId: denied, kind: 'access-denied' });
    const kms = seed();
    fake.putSecret(kms, 'x', { kmsUndecryptable: true });
    const placeholder = seed(() => JSON.stringify({ [PLACEHOLDER_MARKER_KEY]: 'x' }));
    const binary = `ext/binary-${++seq}`;
    fake.putSecret(binary, new Uint8Array([1, 2, 3]));
    const errors = await Promise.all([denied, kms, placeholder, binary].map((id) => rejection(getSecrets(id)[0])));
    expect(errors.map((e) => e.constructor)).toEqual([SecretAccessDeniedError, SecretDecryptionError, SecretPlaceholderError, SecretBinaryError]);
    expect(sdkRequests()).toHaveLength(0);
  });

  test('a version stage the secret does not have is named in the not-found error, as over the SDK', async () => {
    const id = seed();
    const error = await rejection(getSecrets(id, { versionStage: 'AWSPREVIOUS' })[0]);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect(error.message).toContain(`secret ${id} has no version labelled AWSPREVIOUS`);
    expect(sdkRequests()).toHaveLength(0);
  });

  test('a secret scheduled for deletion says so, as over the SDK', async () => {
    const deleted = seed();
    fake.scheduleDeletion(deleted);
    const error = await rejection(getSecrets(deleted)[0]);
    expect(error).toBeInstanceOf(SecretFetchError);
    expect(error).toMatchObject({ secretId: deleted, code: 'InvalidRequestException' });
    expect(error.message).toContain('scheduled for deletion');
    expect(sdkRequests()).toHaveLength(0);
  });

  test('an error body that quotes a value never reaches the error', async () => {
    const marker = 'Extension-Leak-5d1c';
    const [a, b] = [seed(), seed()];
    ext.injectFault({ secretId: a, kind: 'error-json', errorType: 'AccessDeniedException', message: `denied ${marker}` });
    ext.injectFault({ secretId: b, kind: 'error-json', errorType: 'ThrottlingException', message: `slow down ${marker}` });
    const errors = await Promise.all([a, b].map((id) => rejection(getSecrets(id)[0])));
    expect(errors[0]).toBeInstanceOf(SecretAccessDeniedError);
    expect(errors[1]).toBeInstanceOf(SecretFetchError);
    expect(errors[1].code).toBe('ThrottlingException');
    for (const e of errors) expect(`${e.message} ${e.stack} ${JSON.stringify(e)}`).not.toContain(marker);
  });
});

describe('reads the extension cannot serve fall back to the SDK', () => {
  test('not ready (as during INIT): the SDK serves the read, and the extension is not asked again at once', async () => {
    ext.setReady(false);
    const a = seed();
    expect(await getSecrets(a)[0]).toBe(`value-${a}`);
    expect(ext.requests).toHaveLength(1);
    expect(sdkRequests()).toHaveLength(1);
    ext.setReady(true);
    const b = seed();
    expect(await getSecrets(b)[0]).toBe(`value-${b}`);
    expect(ext.requests).toHaveLength(1);
    expect(sdkRequests()).toHaveLength(2);
  });

  test('connections reset: the SDK serves the read, and the next reads skip the dead extension', async () => {
    let connections = 0;
    const dead = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    withExtension({ PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String((dead.address() as AddressInfo).port) });
    try {
      const ids = [seed(), seed(), seed()];
      for (const id of ids) expect(await getSecrets(id)[0]).toBe(`value-${id}`);
      expect(connections).toBe(1);
      expect(sdkRequests()).toHaveLength(3);
    } finally {
      await new Promise((resolve) => dead.close(resolve));
    }
  });

  test('connection refused: the SDK serves the read', async () => {
    const closed = await startFakeLambdaExtension({ secretsManagerEndpoint: fake.endpoint });
    await closed.close();
    withExtension(closed.env);
    const a = seed();
    expect(await getSecrets(a)[0]).toBe(`value-${a}`);
    expect(sdkRequests()).toHaveLength(1);
  });

  test('once the cool-down (1 s after the first failure) has passed, the extension is tried again', async () => {
    ext.setReady(false);
    await getSecrets(seed())[0];
    ext.setReady(true);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const b = seed();
    expect(await getSecrets(b)[0]).toBe(`value-${b}`);
    expect(ext.requests.map((r) => r.secretId).slice(1)).toEqual([b]);
    expect(sdkRequests()).toHaveLength(1);
  });

  test('while it keeps failing, it is skipped for 1 s, then twice as long after each failure, up to 60 s', async () => {
    ext.setReady(false);
    const start = Date.now();
    const clock = jest.spyOn(Date, 'now');
    const readAt = async (ms: number): Promise<number> => {
      clock.mockReturnValue(start + ms);
      const a = seed();
      expect(await getSecrets(a)[0]).toBe(`value-${a}`); // the SDK serves every read
      return ext.requests.length;
    };
    try {
      expect(await readAt(0)).toBe(1);
      let downUntil = 0;
      for (const cooldown of [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]) {
        downUntil += cooldown;
        const asked = ext.requests.length;
        expect(await readAt(downUntil - 100)).toBe(asked); // still skipped
        expect(await readAt(downUntil + 1)).toBe(asked + 1); // tried again, and refused again
        downUntil += 1;
      }
    } finally {
      clock.mockRestore();
    }
  });

  test('a hung extension falls back within the deadline, after the per-request timeout', async () => {
    configureSecrets({ requestTimeoutMs: 200, timeoutMs: 2000 });
    ext.injectFault({ kind: 'hang', times: 1 });
    const a = seed();
    const started = Date.now();
    expect(await getSecrets(a)[0]).toBe(`value-${a}`);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(sdkRequests()).toHaveLength(1);
  });

  test('a hung extension falls back within the deadline even when the deadline is no longer than the per-request timeout', async () => {
    configureSecrets({ timeoutMs: 1000 }); // requestTimeoutMs is 1000 too
    ext.injectFault({ kind: 'hang' });
    const a = seed();
    expect(await getSecrets(a)[0]).toBe(`value-${a}`);
    expect(sdkRequests()).toHaveLength(1);
  });

  test('an extension whose answer trickles in a byte at a time falls back to the SDK within the deadline', async () => {
    ext.injectFault({ kind: 'trickle-body', times: 1 }); // each byte restarts an idle timeout: only a total one ends it
    const a = seed();
    expect(await getSecrets(a)[0]).toBe(`value-${a}`);
    expect(sdkRequests()).toHaveLength(1);
  });

  test('an extension whose answer never ends (a byte at a time) is skipped by the next reads', async () => {
    configureSecrets({ timeoutMs: 300 });
    ext.injectFault({ kind: 'trickle-body' }); // each byte restarts the per-request idle timeout
    fake.injectFault({ kind: 'hang' }); // and the SDK cannot serve this read either
    await expect(getSecrets(seed())[0]).rejects.toMatchObject({ code: 'DeadlineExceeded' });
    fake.clearFaults();
    const b = seed();
    expect(await getSecrets(b)[0]).toBe(`value-${b}`);
    expect(ext.requests.map((r) => r.secretId)).not.toContain(b);
  });

  test.each([
    ['a bad token (403)', { kind: 'plain-error', status: 403, message: 'Bad Token' }],
    ['a malformed 200 body', { kind: 'malformed-body' }],
    ['a body that stalls', { kind: 'stall-body' }],
    ['the extension\'s own failure (500 InternalFailure)', { kind: 'internal-failure' }],
    ['its upstream timing out (504 TimeoutError)', { kind: 'upstream-timeout' }],
    ['an unknown error shape', { kind: 'error-json', status: 418, errorType: 'Teapot<script>', message: 'x' }],
  ] as const)('%s: the SDK serves the read', async (_, fault) => {
    configureSecrets({ requestTimeoutMs: 300 });
    ext.injectFault({ ...fault, times: 1 });
    const a = seed();
    expect(await getSecrets(a)[0]).toBe(`value-${a}`);
    expect(sdkRequests()).toHaveLength(1);
  });

  test('its upstream failing does not mark the extension down: the next read uses it again', async () => {
    ext.injectFault({ kind: 'upstream-timeout', times: 1 });
    const [a, b] = [seed(), seed()];
    await getSecrets(a)[0];
    await getSecrets(b)[0];
    expect(ext.requests.map((r) => r.secretId)).toEqual([a, b]);
    expect(sdkRequests()).toHaveLength(1);
  });

  test('when both fail, the error is the SDK\'s typed error', async () => {
    ext.setReady(false);
    const error = await rejection(getSecrets(`ext/missing-${++seq}`)[0]);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect(error).toBeInstanceOf(SecretError);
  });
});

test('a read on a kept-alive connection the extension closed unnoticed is still served by the extension (fresh process)', async () => {
  // The extension closes a connection idle longer than its keep-alive timeout (the fake's: Node's 5 s). A sandbox
  // frozen for longer thaws with that close not yet seen, and the next invocation's read can go out on the dead
  // socket. A blocked event loop stands in for the freeze: the read is made before the close could be seen.
  const [a, b] = [seed(), seed()];
  const { stdout } = await runNode(`
    const { getSecrets } = require('./lib/runtime');
    const sdkLoaded = () => Object.keys(require.cache).some((k) => k.includes('@aws-sdk'));
    getSecrets(${JSON.stringify(a)})[0].then((v) => {
      console.log('first ' + v);
      setTimeout(() => {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 6500);
        getSecrets(${JSON.stringify(b)})[0].then((v) => console.log('second ' + v + ' sdk ' + sdkLoaded()), (e) => console.log('error ' + e.code));
      }, 10);
    });
  `, { ...lambdaLikeEnv('http://127.0.0.1:9', fake.region), ...ext.env });
  expect(stdout.trim().split('\n')).toEqual([`first value-${a}`, `second value-${b} sdk false`]);
});

describe('with the extension\'s own cache on (CDK\'s paramsAndSecrets default)', () => {
  let caching: FakeLambdaExtension;
  beforeAll(async () => {
    caching = await startFakeLambdaExtension({ secretsManagerEndpoint: fake.endpoint, cacheTtlMs: 300_000 });
  });
  afterAll(async () => caching.close());
  beforeEach(() => {
    // What CDK writes into the function's environment with paramsAndSecrets' default options.
    withExtension({ ...caching.env, PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'true', SECRETS_MANAGER_TTL: '300' });
    caching.resetRequests();
  });

  test('a forced refresh gets the rotated value, not the one the extension cached', async () => {
    const a = seed();
    expect(await getSecrets(a)[0]).toBe(`value-${a}`);
    fake.putSecret(a, 'rotated');
    expect(await getSecrets(a, { forceRefresh: true })[0]).toBe('rotated');
    expect(await getSecrets(a)[0]).toBe('rotated');
  });

  /** withSecrets around a database login that accepts only 'new-password' (Postgres' 28P01 otherwise): the result and the passwords tried. */
  async function loginWithRotation(id: string): Promise<{ result: string; used: string[] }> {
    const used: string[] = [];
    const result = await withSecrets([id], ([password]) => {
      used.push(password);
      if (password !== 'new-password') throw Object.assign(new Error('password authentication failed'), { code: '28P01' });
      return 'rows';
    }, { isAuthError: (e) => (e as { code?: string }).code === '28P01' });
    return { result, used };
  }

  test('withSecrets after a rotation runs the work again with the new value', async () => {
    const a = seed();
    await getSecrets(a)[0];
    fake.putSecret(a, 'new-password');
    expect(await loginWithRotation(a)).toEqual({ result: 'rows', used: [`value-${a}`, 'new-password'] });
  });

  test('with its cache turned off (cacheEnabled: false, as the README advises), a forced refresh goes through the extension', async () => {
    withExtension({ ...caching.env, PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'false', SECRETS_MANAGER_TTL: '300' });
    const a = seed();
    await getSecrets(a)[0];
    await getSecrets(a, { forceRefresh: true })[0];
    expect(caching.requests.map((r) => r.secretId)).toEqual([a, a]);
    expect(sdkRequests()).toHaveLength(0);
  });

  test('withSecrets joining an expiry refresh already going through the extension still gets the rotated value', async () => {
    const a = seed();
    await getSecrets(a)[0];
    fake.putSecret(a, 'new-password');
    // Another path of the handler reads with a short max age: its refresh goes through the extension.
    const expiring = getSecrets(a, { maxAgeSeconds: 0 })[0];
    expect(await loginWithRotation(a)).toEqual({ result: 'rows', used: [`value-${a}`, 'new-password'] });
    await expiring;
    expect(await getSecrets(a)[0]).toBe('new-password');
  });

  test.each([
    ['an expired value', {}, true],
    ['an expired value of a version stage', { versionStage: 'AWSCURRENT' }, true],
    ['a value no longer cached', {}, false],
  ])('getSecretJson and a forced getSecrets started in the same turn (%s) both get the rotated value', async (_, version, cached) => {
    const a = seed(() => JSON.stringify({ password: 'old' }));
    await getSecrets(a, version)[0];
    if (!cached) clearSecretCache();
    fake.putSecret(a, JSON.stringify({ password: 'new' }));
    const json = getSecretJson<{ password: string }>(a, { ...version, maxAgeSeconds: 0 });
    const [forced] = getSecrets(a, { ...version, forceRefresh: true });
    expect([(await json).password, JSON.parse(await forced).password]).toEqual(['new', 'new']);
    expect(sdkRequests()).toHaveLength(1); // one request, forced, serves both
  });

  test('after a forced refresh, a later expiry refresh does not bring back the old value the extension still caches', async () => {
    const a = seed();
    await getSecrets(a)[0];
    fake.putSecret(a, 'rotated');
    expect(await getSecrets(a, { forceRefresh: true })[0]).toBe('rotated');
    // A short max age (configureSecrets({ maxAgeSeconds: 60 }) a minute later): the value expires, the
    // extension's copy from before the rotation does not (its TTL is 300 s).
    expect(await getSecrets(a, { maxAgeSeconds: 0 })[0]).toBe('rotated');
    expect(await getSecrets(a)[0]).toBe('rotated');
  });

  test('refreshes skip the extension only for its TTL (300 s at most) after the forced read, then use it again', async () => {
    const a = seed();
    await getSecrets(a)[0];
    fake.putSecret(a, 'rotated');
    const forcedAt = Date.now();
    await getSecrets(a, { forceRefresh: true })[0];
    const clock = jest.spyOn(Date, 'now');
    try {
      clock.mockReturnValue(forcedAt + 200_000);
      expect(await getSecrets(a, { maxAgeSeconds: 0 })[0]).toBe('rotated'); // with the SDK
      clock.mockReturnValue(forcedAt + 301_000); // past the TTL of the forced read, not of the refresh after it
      caching.resetRequests();
      expect(await getSecrets(a, { maxAgeSeconds: 0 })[0]).toBe('rotated');
      expect(caching.requests.map((r) => r.secretId)).toEqual([a]);
    } finally {
      clock.mockRestore();
    }
  });

  test.each([
    ['clearSecretCache()', async () => clearSecretCache()],
    ['eviction past cacheMaxEntries', async () => {
      configureSecrets({ cacheMaxEntries: 2 });
      for (let i = 0; i < 3; i++) await getSecrets(seed())[0];
    }],
  ])('after a forced refresh, a read of the value %s dropped does not bring back the old value the extension still caches', async (_, drop) => {
    const a = seed();
    await getSecrets(a)[0];
    fake.putSecret(a, 'rotated');
    expect(await getSecrets(a, { forceRefresh: true })[0]).toBe('rotated');
    await drop();
    expect(await getSecrets(a)[0]).toBe('rotated');
  });

  test('plain misses still go through the extension', async () => {
    const a = seed();
    await getSecrets(a)[0];
    expect(caching.requests.map((r) => r.secretId)).toEqual([a]);
    expect(sdkRequests()).toHaveLength(0);
  });
});

describe('detection and opt-out', () => {
  test('without a session token the extension is not used', async () => {
    withExtension({ AWS_SESSION_TOKEN: '' });
    const a = seed();
    await getSecrets(a)[0];
    expect(ext.requests).toHaveLength(0);
  });

  test('without a session token even useExtension: true reads with the SDK (the extension needs the token)', async () => {
    withExtension({ AWS_SESSION_TOKEN: '' });
    configureSecrets({ useExtension: true });
    const a = seed();
    expect(await getSecrets(a)[0]).toBe(`value-${a}`);
    expect(ext.requests).toHaveLength(0);
    expect(sdkRequests()).toHaveLength(1);
  });

  test('CDK_APP_SECRETS_USE_EXTENSION=false reads with the SDK', async () => {
    withExtension({ CDK_APP_SECRETS_USE_EXTENSION: 'false' });
    const a = seed();
    expect(await getSecrets(a)[0]).toBe(`value-${a}`);
    expect(ext.requests).toHaveLength(0);
    expect(sdkRequests()).toHaveLength(1);
  });

  test('configureSecrets({ useExtension: false }) reads with the SDK', async () => {
    configureSecrets({ useExtension: false });
    const a = seed();
    await getSecrets(a)[0];
    expect(ext.requests).toHaveLength(0);
  });

  test('a clientConfig (region, endpoint, credentials) turns detection off: names read where it says', async () => {
    configureSecrets({ clientConfig: { region: 'eu-west-1' } });
    const a = seed();
    expect(await getSecrets(a)[0]).toBe(`value-${a}`);
    expect(ext.requests).toHaveLength(0);
    expect(sdkRequests().map((r) => r.region)).toEqual(['eu-west-1']);
  });

  test('useExtension: true uses the extension even with a clientConfig', async () => {
    configureSecrets({ clientConfig: { maxAttempts: 2 }, useExtension: true });
    const a = seed();
    expect(await getSecrets(a)[0]).toBe(`value-${a}`);
    expect(ext.requests).toHaveLength(1);
    expect(sdkRequests()).toHaveLength(0);
  });

  test('a useExtension that is not a boolean is refused', () => {
    expect(() => configureSecrets({ useExtension: 'yes' as unknown as boolean })).toThrow(/useExtension must be true or false/);
  });
});

test('a function with the extension reads without ever loading the AWS SDK (fresh process)', async () => {
  const a = seed();
  const env = { ...lambdaLikeEnv('http://127.0.0.1:9', fake.region), ...ext.env };
  const { stdout, stderr } = await runNode(`
    const { getSecrets } = require('./lib/runtime');
    getSecrets(${JSON.stringify(a)})[0].then((value) => {
      const sdk = Object.keys(require.cache).filter((k) => k.includes('@aws-sdk'));
      console.log(JSON.stringify({ value, sdk }));
    }, (e) => console.log(JSON.stringify({ error: e.code })));
  `, env);
  const line = stdout.trim().split('\n').pop() ?? stderr;
  expect(JSON.parse(line)).toEqual({ value: `value-${a}`, sdk: [] });
});

test('25 ids read through the extension at once log no MaxListenersExceeded warning (fresh process)', async () => {
  const ids = Array.from({ length: 25 }, () => seed());
  const env = { ...lambdaLikeEnv('http://127.0.0.1:9', fake.region), ...ext.env };
  const { stdout, stderr } = await runNode(`
    const { getSecrets } = require('./lib/runtime');
    getSecrets(...${JSON.stringify(ids)}).then((values) => console.log(JSON.stringify({ count: values.length })));
  `, env);
  expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ count: 25 });
  expect(stderr).not.toMatch(/MaxListeners|memory leak/);
});

describe('a read in flight through the extension while Lambda freezes the sandbox', () => {
  // Lambda freezes the function and its extension together; the extension's answer may be waiting when both
  // thaw. A fresh process stopped with SIGSTOP while the extension reads upstream stands in for it (the fake
  // extension answers while the process is stopped). The read's timers all fire late at the thaw.
  test('is answered by the extension after the thaw, and the next read still uses the extension, not the SDK', async () => {
    const [a, b] = [seed(), seed()];
    fake.injectFault({ kind: 'slow', delayMs: 300, secretId: a, times: 1 }); // the extension's upstream read of a
    const script = `
      const { getSecrets } = require('./lib/runtime');
      const sdkLoaded = () => Object.keys(require.cache).some((k) => k.includes('@aws-sdk'));
      getSecrets(${JSON.stringify(a)})[0]
        .then((v) => { console.log('first ' + v + ' sdk ' + sdkLoaded()); return getSecrets(${JSON.stringify(b)})[0]; })
        .then((v) => console.log('second ' + v + ' sdk ' + sdkLoaded()), (e) => console.log('error ' + e.code));`;
    const env = { ...lambdaLikeEnv('http://127.0.0.1:9', fake.region), ...ext.env };
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: root,
      env: { ...env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json') },
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => stdout += String(chunk));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      const started = Date.now();
      while (!ext.requests.some((r) => r.secretId === a) && Date.now() - started < 30_000) await sleep(5);
      child.kill('SIGSTOP');
      await sleep(2000 + 2500); // past the extension's request timer and the 2 s deadline
    } finally {
      child.kill('SIGCONT');
    }
    await exited;
    expect(stdout.trim().split('\n')).toEqual([`first value-${a} sdk false`, `second value-${b} sdk false`]);
    expect(ext.requests.map((r) => r.secretId)).toEqual([a, b]);
  });
});
