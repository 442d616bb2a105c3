/*
 * Settings and checks: configureSecrets({ client }) in a fresh process, validation of options, setup
 * errors with the fix that applies (no SDK, no region), and settings changes that leave reads alone.
 */
import { Agent } from 'node:http';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { lambdaLikeEnv, rejection, runNode, sleep, useFakeSecretsManager } from './helpers';
import {
  clearSecretCache,
  configureSecrets,
  getSecrets,
  SecretConfigError,
  SecretTimeoutError,
} from '../../lib/runtime';
import { FakeSecretsManager } from '../support/fake-secrets-manager';

let fake: FakeSecretsManager;
let seq = 0;

function seeded(): string {
  const name = `settings/secret-${++seq}`;
  fake.putSecret(name, `value-${name}`);
  return name;
}

useFakeSecretsManager((started) => {
  fake = started;
});

describe('configureSecrets({ client }) in a fresh process', () => {
  test('a client configured before the first read is used to read', async () => {
    const a = seeded();
    const script = `
      const { SecretsManagerClient } = require('@aws-sdk/client-secrets-manager');
      const { configureSecrets, getSecrets } = require('./lib/runtime');
      const client = new SecretsManagerClient({ endpoint: process.env.FAKE_ENDPOINT, region: 'us-east-1' });
      let sent = 0;
      const send = client.send.bind(client);
      client.send = (...args) => { sent++; return send(...args); };   // as a tracing wrapper would
      configureSecrets({ client });
      getSecrets(${JSON.stringify(a)}).then(
        (values) => console.log(JSON.stringify({ values, sent })),
        (e) => console.log(JSON.stringify({ error: e.code, message: e.message, sent })));`;
    const env = { ...lambdaLikeEnv('http://127.0.0.1:9'), FAKE_ENDPOINT: fake.endpoint };
    const { stdout } = await runNode(script, env);
    expect(JSON.parse(stdout.trim())).toEqual({ values: [`value-${a}`], sent: 1 });
  });
});

describe('setup errors name their own cause and fix', () => {
  test('no AWS SDK installed: SecretConfigError SdkUnavailable, telling to install it, not network advice', async () => {
    const script = `
      const Module = require('node:module');
      const resolve = Module._resolveFilename;
      Module._resolveFilename = function (request, ...rest) {
        if (request.startsWith('@aws-sdk/')) throw Object.assign(new Error('Cannot find module ' + request), { code: 'MODULE_NOT_FOUND' });
        return resolve.call(this, request, ...rest);
      };
      const { getSecrets, SecretConfigError } = require('./lib/runtime');
      getSecrets('db-password')[0].catch((e) => console.log(JSON.stringify({ config: e instanceof SecretConfigError, code: e.code, message: e.message })));`;
    const { stdout } = await runNode(script, lambdaLikeEnv(fake.endpoint));
    const result = JSON.parse(stdout.trim());
    expect(result).toMatchObject({ config: true, code: 'SdkUnavailable' });
    expect(result.message).toContain('npm install @aws-sdk/client-secrets-manager');
    expect(result.message).toContain('secret db-password');
    expect(result.message).not.toMatch(/VPC|network/);
  });

  // The SDK's constructor takes any config; a bad endpoint fails at the first send with a TypeError.
  test('an endpoint that is no URL, in clientConfig or AWS_ENDPOINT_URL_SECRETS_MANAGER: ClientSetupFailed naming both, not network advice', async () => {
    const a = seeded();
    configureSecrets({ clientConfig: { endpoint: 'not a url' } });
    const error = await rejection(getSecrets(a)[0]);
    expect(error).toBeInstanceOf(SecretConfigError);
    expect(error).toMatchObject({ code: 'ClientSetupFailed', secretId: a });
    expect(error.message).toContain('clientConfig');
    expect(error.message).toContain('AWS_ENDPOINT_URL_SECRETS_MANAGER');
    expect(error.message).not.toMatch(/VPC|network/);
    configureSecrets({ clientConfig: {} });
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = 'not a url';
    expect(await rejection(getSecrets(a, seeded()))).toMatchObject({ code: 'ClientSetupFailed' });
    expect(fake.requests).toHaveLength(0);
  });

  test('a clientConfig function that throws: ClientSetupFailed naming clientConfig', async () => {
    configureSecrets({ clientConfig: () => { throw new Error('no config for this region'); } });
    const error = await rejection(getSecrets(seeded())[0]);
    expect(error).toMatchObject({ code: 'ClientSetupFailed' });
    expect(error.message).toContain('clientConfig');
  });

  test('no region: a secret name rejects with SecretConfigError RegionMissing, telling to set AWS_REGION', async () => {
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    const a = seeded();
    const error = await rejection(getSecrets(a)[0]);
    expect(error).toBeInstanceOf(SecretConfigError);
    expect(error).toMatchObject({ code: 'RegionMissing', secretId: a });
    expect(error.message).toContain('AWS_REGION');
    expect(error.message).not.toMatch(/VPC|network/);
    expect(fake.requests).toHaveLength(0);
  });

  test('a region that is no region name (a trailing space, as Windows\' set AWS_REGION=us-east-1 leaves): RegionMissing says the region is not valid, not that none is set', async () => {
    process.env.AWS_REGION = 'us-east-1 ';
    const error = await rejection(getSecrets(seeded())[0]);
    expect(error).toMatchObject({ code: 'RegionMissing' });
    expect(error.message).toContain('no valid AWS region is configured');
  });

  test('no region: an ARN is still read, from the region the ARN names', async () => {
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    const { arn } = fake.putSecret(`settings/arn-${++seq}`, 'by-arn');
    expect(await getSecrets(arn)).toEqual(['by-arn']);
    expect(fake.requests.map((r) => r.region)).toEqual([fake.region]);
  });
});

describe('options are validated like the environment variables', () => {
  test.each([NaN, -1, Infinity])('getSecrets(id, { maxAgeSeconds: %p }) throws TypeError and sends nothing', (maxAgeSeconds) => {
    expect(() => getSecrets('x', { maxAgeSeconds })).toThrow(TypeError);
    expect(() => getSecrets('x', 'y', { maxAgeSeconds })).toThrow(/maxAgeSeconds must be a non-negative finite number/);
    expect(fake.requests).toHaveLength(0);
  });

  test.each([
    [{ maxAgeSeconds: NaN }, /maxAgeSeconds/],
    [{ maxAgeSeconds: -5 }, /maxAgeSeconds/],
    [{ timeoutMs: 0 }, /timeoutMs must be a positive/],
    [{ cacheMaxEntries: 10.5 }, /cacheMaxEntries must be a whole number/],
    [{ staleWaitMs: -1 }, /staleWaitMs/],
    [{ client: {} as never }, /client must be a Secrets Manager client/],
  ])('configureSecrets(%p) throws TypeError', (settings, message) => {
    expect(() => configureSecrets(settings)).toThrow(TypeError);
    expect(() => configureSecrets(settings)).toThrow(message);
  });

  test('NaN no longer turns off caching and sharing: 10 concurrent reads cost 1 request', async () => {
    const a = seeded();
    expect(() => configureSecrets({ maxAgeSeconds: NaN })).toThrow(TypeError);
    await Promise.all(Array.from({ length: 10 }, () => getSecrets(a)));
    expect(fake.requests).toHaveLength(1);
  });

  test('CDK_APP_SECRETS_TIMEOUT_MS=0 is refused', () => {
    process.env.CDK_APP_SECRETS_TIMEOUT_MS = '0';
    expect(() => getSecrets('x')).toThrow(/CDK_APP_SECRETS_TIMEOUT_MS must be a positive number/);
  });

  // Node fires a timer longer than 2^31 - 1 ms after 1 ms: such a deadline would time every read out at once.
  test.each([
    [{ timeoutMs: 3e9 }, /timeoutMs must be a positive finite number of at most 2147483647/],
    [{ requestTimeoutMs: 3e9 }, /requestTimeoutMs must be a positive finite number of at most 2147483647/],
    [{ connectTimeoutMs: 3e9 }, /connectTimeoutMs/],
    [{ staleWaitMs: 3e9 }, /staleWaitMs must be a non-negative finite number of at most 2147483647/],
  ])('configureSecrets(%p), past Node\'s longest timer, throws TypeError', (settings, message) => {
    expect(() => configureSecrets(settings)).toThrow(message);
  });

  test('CDK_APP_SECRETS_TIMEOUT_MS past Node\'s longest timer is refused, not turned into a 1 ms deadline', () => {
    process.env.CDK_APP_SECRETS_TIMEOUT_MS = '1e10';
    expect(() => getSecrets('x')).toThrow(/CDK_APP_SECRETS_TIMEOUT_MS must be a positive number of at most 2147483647/);
  });

  // Plain JavaScript passes what it has, often a string from the environment: 'false' is truthy, and
  // serveStale: 'false' would serve stale values.
  test.each([
    [{ serveStale: 'false' }, /getSecrets option serveStale must be true or false, got string/],
    [{ forceRefresh: 'true' }, /getSecrets option forceRefresh must be true or false, got string/],
    [{ versionStage: 5 }, /getSecrets option versionStage must be a non-empty string, got number/],
    [{ versionId: '' }, /getSecrets option versionId must be a non-empty string, got an empty string/],
  ])('getSecrets(id, %p) throws TypeError and sends nothing', (options, message) => {
    expect(() => getSecrets('x', options as never)).toThrow(message);
    expect(() => getSecrets('x', 'y', options as never)).toThrow(TypeError);
    expect(fake.requests).toHaveLength(0);
  });

  test('configureSecrets({ serveStale: "false" }) throws TypeError', () => {
    expect(() => configureSecrets({ serveStale: 'false' as never })).toThrow(/configureSecrets setting serveStale must be true or false, got string/);
  });

  test('an array of ids (getSecrets([a, b])) throws the TypeError of other non-string ids', () => {
    const ids = ['a', 'b'];
    expect(() => getSecrets(ids as unknown as string)).toThrow(TypeError);
    expect(() => getSecrets(ids as unknown as string)).toThrow(/argument 1 must be a secret name or ARN, got an array.*getSecrets\(\.\.\.ids\)/);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('the bounds and forms of each setting, as the options table gives them', () => {
  test.each([
    [{ requestTimeoutMs: 0 }, /requestTimeoutMs must be a positive/],
    [{ connectTimeoutMs: 0 }, /connectTimeoutMs must be a positive/],
    [{ cacheMaxEntries: 0 }, /cacheMaxEntries must be a positive/],
    [{ maxStaleSeconds: -1 }, /maxStaleSeconds must be a non-negative/],
  ])('configureSecrets(%p) throws TypeError', (settings, message) => {
    expect(() => configureSecrets(settings)).toThrow(message);
  });

  test.each([
    ['CDK_APP_SECRETS_CACHE_MAX_ENTRIES', '1.5', /CDK_APP_SECRETS_CACHE_MAX_ENTRIES must be a whole number/],
    ['CDK_APP_SECRETS_MAX_STALE_SECONDS', '-1', /CDK_APP_SECRETS_MAX_STALE_SECONDS must be a non-negative number/],
    ['CDK_APP_SECRETS_SERVE_STALE', 'yes', /CDK_APP_SECRETS_SERVE_STALE must be true or false/],
  ])('%s=%s throws TypeError at the first read, sending nothing', (key, value, message) => {
    process.env[key] = value;
    expect(() => getSecrets('x')).toThrow(message);
    expect(fake.requests).toHaveLength(0);
  });

  test('an empty variable counts as unset: the default applies', async () => {
    const a = seeded();
    process.env.CDK_APP_SECRETS_TIMEOUT_MS = '';
    process.env.CDK_APP_SECRETS_SERVE_STALE = ' ';
    expect(await getSecrets(a)).toEqual([`value-${a}`]);
  });

  test.each(['1', 'TRUE', 'True'])('CDK_APP_SECRETS_SERVE_STALE=%s turns serveStale on', async (value) => {
    const a = seeded();
    process.env.CDK_APP_SECRETS_SERVE_STALE = value;
    await getSecrets(a);
    fake.injectFault({ secretId: a, kind: 'server-error' });
    expect(await getSecrets(a, { maxAgeSeconds: 0 })).toEqual([`value-${a}`]);
  });

  test.each(['0', 'FALSE'])('CDK_APP_SECRETS_SERVE_STALE=%s leaves it off', async (value) => {
    const a = seeded();
    process.env.CDK_APP_SECRETS_SERVE_STALE = value;
    await getSecrets(a);
    fake.injectFault({ secretId: a, kind: 'server-error' });
    expect(await rejection(getSecrets(a, { maxAgeSeconds: 0 })[0])).toMatchObject({ code: 'InternalServiceError' });
  });

  test('maxAgeSeconds: 0 reads the value again on every call, and concurrent calls still share one request', async () => {
    const a = seeded();
    configureSecrets({ maxAgeSeconds: 0 });
    await getSecrets(a);
    await getSecrets(a);
    expect(fake.calls.GetSecretValue).toBe(2);
    await Promise.all(Array.from({ length: 10 }, () => getSecrets(a)));
    expect(fake.calls.GetSecretValue).toBe(3);
  });

  test('staleWaitMs: 0 serves the expired value at once, without waiting for the refresh', async () => {
    const a = seeded();
    configureSecrets({ serveStale: true, staleWaitMs: 0, timeoutMs: 200 });
    await getSecrets(a);
    fake.injectFault({ secretId: a, kind: 'hang' });
    const read = getSecrets(a, { maxAgeSeconds: 0 })[0];
    const first = await Promise.race([read, new Promise((resolve) => setImmediate(() => resolve('waited')))]);
    expect(first).toBe(`value-${a}`);
    await sleep(400); // the background refresh ends at its deadline, before the next test counts requests
  });
});

describe('a clientConfig with its own requestHandler', () => {
  test('replaces the per-attempt and connect timeouts (requestTimeoutMs does not apply); the deadline still does', async () => {
    const a = seeded();
    fake.injectFault({ kind: 'slow', delayMs: 400 });
    configureSecrets({ requestTimeoutMs: 100, clientConfig: { requestHandler: { httpAgent: new Agent({ keepAlive: true }) } } });
    expect(await getSecrets(a)).toEqual([`value-${a}`]); // one 400 ms attempt, no 100 ms request timeout
    clearSecretCache();
    configureSecrets({ clientConfig: {} });
    expect(await rejection(getSecrets(a)[0])).toMatchObject({ code: 'TimeoutError' }); // the runtime's handler: 100 ms attempts
    clearSecretCache();
    configureSecrets({ timeoutMs: 200, clientConfig: { requestHandler: { httpAgent: new Agent({ keepAlive: true }) } } });
    expect(await rejection(getSecrets(a)[0])).toBeInstanceOf(SecretTimeoutError);
    await sleep(300); // the slow answers end before the next test counts requests
  });
});

describe('changing settings leaves reads in flight alone', () => {
  test('configureSecrets changing only a cache setting does not kill a read in flight', async () => {
    const a = seeded();
    fake.injectFault({ kind: 'slow', delayMs: 300, times: 1 });
    const read = getSecrets(a)[0];
    await new Promise((resolve) => setTimeout(resolve, 100));
    configureSecrets({ maxAgeSeconds: 60, serveStale: true });
    expect(await read).toBe(`value-${a}`);
    expect(fake.requests).toHaveLength(1);
  });

  test('configureSecrets changing the client config lets a read in flight finish on the old client', async () => {
    const a = seeded();
    const b = seeded();
    fake.injectFault({ kind: 'slow', delayMs: 300, times: 1 });
    const read = getSecrets(a)[0];
    await new Promise((resolve) => setTimeout(resolve, 100));
    configureSecrets({ clientConfig: { maxAttempts: 2 } });
    expect(await read).toBe(`value-${a}`);
    expect(await getSecrets(b)).toEqual([`value-${b}`]);
  });

  // The README says module scope, but handlers often configure inside: a new, equal literal on every invocation.
  test('configureSecrets with an equal clientConfig on every invocation keeps the client and its connection', async () => {
    const handler = async (id: string): Promise<string> => {
      configureSecrets({ clientConfig: { maxAttempts: 2, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }, timeoutMs: 2000 });
      return (await getSecrets(id))[0];
    };
    for (let i = 0; i < 5; i++) {
      const id = seeded();
      expect(await handler(id)).toBe(`value-${id}`);
    }
    expect(fake.requests).toHaveLength(5);
    expect(fake.connections).toBe(1);
  });

  test('configureSecrets with a changed clientConfig still makes a new client', async () => {
    configureSecrets({ clientConfig: { maxAttempts: 1 } });
    fake.injectFault({ kind: 'throttle', times: 1 });
    expect((await rejection(getSecrets(seeded())[0])).code).toBe('ThrottlingException');
    configureSecrets({ clientConfig: { maxAttempts: 2 } });
    fake.injectFault({ kind: 'throttle', times: 1 });
    const id = seeded();
    expect(await getSecrets(id)).toEqual([`value-${id}`]);
  });

  test('a deadline still applies to a client given with configureSecrets({ client })', async () => {
    const client = new SecretsManagerClient({ endpoint: fake.endpoint, region: fake.region });
    configureSecrets({ client, timeoutMs: 300 });
    fake.injectFault({ kind: 'hang' });
    const error = await rejection(getSecrets(seeded())[0]);
    expect(error).toBeInstanceOf(SecretTimeoutError);
    clearSecretCache();
    client.destroy();
  });
});
