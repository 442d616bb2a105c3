/*
 * The runtime under slow and broken networks, over real HTTP with the real SDK: every read settles
 * with a typed error within its deadline, serveStale protects against a slow outage, a failed forced
 * refresh leaves the cache alone, and no error carries response bytes.
 *
 * Bounds are generous (deadline + 1.5 s) for a shared 2-core machine; the measured times are printed.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { measure, rejection, restoreEnv, root, runNode, lambdaLikeEnv, sleep, useEndpoint } from './helpers';
import {
  configureSecrets,
  getSecretJson,
  getSecrets,
  SecretAccessDeniedError,
  SecretError,
  SecretFetchError,
  SecretJsonError,
  SecretTimeoutError,
} from '../../lib/runtime';
import { BlackHole, FakeSecretsManager, startBlackHole, startFakeSecretsManager } from '../support/fake-secrets-manager';

const SLACK_MS = 1500;
const DEFAULT_DEADLINE_MS = 2000;

let fake: FakeSecretsManager;
let blackHole: BlackHole;
let seq = 0;

function seeded(value?: string): string {
  const name = `faults/secret-${++seq}`;
  fake.putSecret(name, value ?? `value-${name}`);
  return name;
}

/** Settles like `promise`, or rejects after `ms` so a read that never settles fails the test instead of hanging it. */
function within<T>(promise: PromiseLike<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

beforeAll(async () => {
  fake = await startFakeSecretsManager();
  blackHole = await startBlackHole();
});

afterAll(async () => {
  restoreEnv();
  await fake.close();
  await blackHole.close();
});

beforeEach(() => {
  useEndpoint(fake.endpoint);
  fake.clearFaults();
  fake.resetCalls();
});

describe('every read settles with a typed error within its deadline (default settings)', () => {
  test('an endpoint that accepts and never answers: SecretTimeoutError within the 2 s deadline', async () => {
    const a = seeded();
    fake.injectFault({ kind: 'hang' });
    const { result: error, ms } = await measure('hang after accept, default settings', () => rejection(within(getSecrets(a)[0], 15_000)));
    expect(error).toBeInstanceOf(SecretTimeoutError);
    expect(error).toMatchObject({ code: 'DeadlineExceeded', secretId: a, timeoutMs: DEFAULT_DEADLINE_MS });
    expect(ms).toBeLessThan(DEFAULT_DEADLINE_MS + SLACK_MS);
  });

  test('a black-holed port (connect never completes): SecretTimeoutError within the 2 s deadline', async () => {
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = blackHole.endpoint;
    const { result: error, ms } = await measure('black hole, default settings', () => rejection(within(getSecrets('any-secret')[0], 15_000)));
    expect(error).toBeInstanceOf(SecretTimeoutError);
    expect(error.code).toBe('DeadlineExceeded');
    expect(ms).toBeLessThan(DEFAULT_DEADLINE_MS + SLACK_MS);
  });

  test('headers then a stalled body: SecretTimeoutError within the deadline', async () => {
    const a = seeded();
    fake.injectFault({ kind: 'stall-body' });
    const { result: error, ms } = await measure('stalled body, default settings', () => rejection(within(getSecrets(a)[0], 15_000)));
    expect(error).toBeInstanceOf(SecretTimeoutError);
    expect(ms).toBeLessThan(DEFAULT_DEADLINE_MS + SLACK_MS);
  });

  test('a stalled body in a batch rejects every id of that batch with SecretTimeoutError', async () => {
    const [a, b] = [seeded(), seeded()];
    fake.injectFault({ kind: 'stall-body', operation: 'BatchGetSecretValue' });
    const [pa, pb] = getSecrets(a, b);
    expect(await rejection(within(pa, 15_000))).toBeInstanceOf(SecretTimeoutError);
    expect(await rejection(pb)).toMatchObject({ code: 'DeadlineExceeded', secretId: b });
  });

  test('throttling that outlasts many retries settles within the deadline', async () => {
    const a = seeded();
    configureSecrets({ clientConfig: { maxAttempts: 10 } });
    fake.injectFault({ kind: 'throttle' });
    const { result: error, ms } = await measure('throttling, 10 attempts allowed', () => rejection(within(getSecrets(a)[0], 60_000)));
    expect(error).toBeInstanceOf(SecretFetchError);
    expect(['ThrottlingException', 'DeadlineExceeded']).toContain(error.code);
    process.stdout.write(`[measured] throttling settled with ${error.code} after ${fake.calls.GetSecretValue} requests\n`);
    expect(ms).toBeLessThan(DEFAULT_DEADLINE_MS + SLACK_MS);
  });

  test('throttling with the default 3 attempts settles within the deadline', async () => {
    const a = seeded();
    fake.injectFault({ kind: 'throttle' });
    const { result: error, ms } = await measure('throttling, default settings', () => rejection(within(getSecrets(a)[0], 60_000)));
    expect(error).toBeInstanceOf(SecretFetchError);
    process.stdout.write(`[measured] throttling (default) settled with ${error.code} after ${fake.calls.GetSecretValue} requests\n`);
    expect(ms).toBeLessThan(DEFAULT_DEADLINE_MS + SLACK_MS);
  });

  test('the deadline is configurable with configureSecrets({ timeoutMs })', async () => {
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = blackHole.endpoint;
    configureSecrets({ timeoutMs: 400 });
    const { result: error, ms } = await measure('black hole, timeoutMs 400', () => rejection(within(getSecrets('any-secret')[0], 15_000)));
    expect(error).toMatchObject({ code: 'DeadlineExceeded', timeoutMs: 400 });
    expect(ms).toBeLessThan(400 + SLACK_MS);
  });

  test('the deadline is configurable with CDK_APP_SECRETS_TIMEOUT_MS', async () => {
    const a = seeded();
    process.env.CDK_APP_SECRETS_TIMEOUT_MS = '400';
    fake.injectFault({ kind: 'hang' });
    const { result: error, ms } = await measure('hang, CDK_APP_SECRETS_TIMEOUT_MS=400', () => rejection(within(getSecrets(a)[0], 15_000)));
    expect(error).toMatchObject({ code: 'DeadlineExceeded', timeoutMs: 400 });
    expect(ms).toBeLessThan(400 + SLACK_MS);
  });

  test('a hung first attempt is retried inside the deadline and the read succeeds', async () => {
    const a = seeded();
    fake.injectFault({ kind: 'hang', times: 1 });
    const { result: values } = await measure('one hung attempt then success', () => within(getSecrets(a), 15_000));
    expect(values).toEqual([`value-${a}`]);
    expect(fake.calls.GetSecretValue).toBe(2);
  });

  test('the timeout error says what to do and which setting bounds it', async () => {
    const a = seeded();
    configureSecrets({ timeoutMs: 200 });
    fake.injectFault({ kind: 'hang' });
    const error = await rejection(getSecrets(a)[0]);
    expect(error.message).toContain(`reading secret ${a} did not complete within 200 ms`);
    expect(error.message).toMatch(/VPC endpoint or NAT.*CDK_APP_SECRETS_TIMEOUT_MS/);
  });
});

describe('network failures are named by what happened', () => {
  // A fresh process: inside jest the SDK wraps Node's network errors (another realm) and drops their code.
  test('a connection reset on every attempt is reported as ECONNRESET, not as a timeout', async () => {
    const a = seeded();
    fake.injectFault({ kind: 'drop-connection' });
    const script = `
      const { getSecrets } = require('./lib/runtime');
      getSecrets(${JSON.stringify(a)})[0].then(() => console.log('resolved'), (e) => console.log(e.name + ' ' + e.code));`;
    const { stdout } = await runNode(script, lambdaLikeEnv(fake.endpoint));
    expect(stdout.trim()).toBe('SecretFetchError ECONNRESET');
  });
});

describe('a read in flight while Lambda freezes the sandbox', () => {
  // Lambda freezes a sandbox between invocations, and with provisioned concurrency from the end of INIT to the
  // first invocation: a read started at module scope (as the README advises), a serveStale refresh or any read
  // not awaited is then in flight. A fresh process stopped with SIGSTOP while its request is with the endpoint
  // stands in for it; the clock runs on meanwhile, as it does for a frozen sandbox.
  test('is answered after the thaw, not failed by a deadline that ran out while the process was frozen', async () => {
    const a = seeded();
    fake.injectFault({ kind: 'slow', delayMs: 300, secretId: a, times: 1 }); // the answer arrives while frozen
    const script = `
      const { getSecrets } = require('./lib/runtime');
      getSecrets(${JSON.stringify(a)})[0].then((v) => console.log('value ' + v), (e) => console.log('error ' + e.code));`;
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: root,
      env: { ...lambdaLikeEnv(fake.endpoint), TS_NODE_PROJECT: path.join(root, 'tsconfig.json') },
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => stdout += String(chunk));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      const started = Date.now();
      while (!fake.requests.some((r) => r.secretIds.includes(a)) && Date.now() - started < 30_000) await sleep(5);
      child.kill('SIGSTOP');
      await sleep(DEFAULT_DEADLINE_MS + 2500);
    } finally {
      child.kill('SIGCONT');
    }
    await within(exited, 30_000);
    expect(stdout.trim()).toBe(`value value-${a}`);
  });
});

describe('serveStale under a slow outage', () => {
  test('an expired value comes back within staleWaitMs when the endpoint hangs, and later reads do not wait', async () => {
    const a = seeded();
    await getSecrets(a, { maxAgeSeconds: 0.1 });
    await sleep(150);
    fake.injectFault({ kind: 'hang' });
    fake.resetCalls();
    const { result: first, ms } = await measure('stale value with the endpoint hung (staleWaitMs 300)',
      () => within(getSecrets(a, { maxAgeSeconds: 0.1, serveStale: true }), 15_000));
    expect(first).toEqual([`value-${a}`]);
    expect(ms).toBeLessThan(300 + SLACK_MS);
    // The refresh goes on in the background: a later read joins it and gets the stale value, no new request.
    const { ms: second } = await measure('second stale read while the refresh is in flight',
      () => within(getSecrets(a, { maxAgeSeconds: 0.1, serveStale: true }), 15_000));
    expect(second).toBeLessThan(SLACK_MS);
    expect(fake.calls.GetSecretValue).toBe(1);
  });

  test('after a refresh failed, a stale read resolves at once, before any I/O could happen', async () => {
    const a = seeded();
    configureSecrets({ serveStale: true, timeoutMs: 200 });
    await getSecrets(a, { maxAgeSeconds: 0.1 });
    await sleep(150);
    fake.injectFault({ kind: 'hang' });
    expect(await within(getSecrets(a, { maxAgeSeconds: 0.1 }), 15_000)).toEqual([`value-${a}`]);
    await sleep(400); // the background refresh has now failed at its 200 ms deadline
    const read = getSecrets(a, { maxAgeSeconds: 0.1 })[0];
    const first = await Promise.race([read, new Promise((resolve) => setImmediate(() => resolve('waited')))]);
    expect(first).toBe(`value-${a}`);
  });

  test('a per-call serveStale is honoured when joining a refresh someone else started', async () => {
    const a = seeded();
    await getSecrets(a, { maxAgeSeconds: 0.1 });
    await sleep(150);
    fake.injectFault({ kind: 'hang' });
    configureSecrets({ timeoutMs: 1000 });
    const plain = getSecrets(a, { maxAgeSeconds: 0.1 })[0]; // starts the refresh, may not use the stale value
    const stale = getSecrets(a, { maxAgeSeconds: 0.1, serveStale: true })[0];
    expect(await within(stale, 15_000)).toBe(`value-${a}`);
    expect(await rejection(plain)).toBeInstanceOf(SecretTimeoutError);
  });

  test('a value older than maxStaleSeconds past its expiry is not served', async () => {
    const a = seeded();
    configureSecrets({ serveStale: true, maxStaleSeconds: 0.2, timeoutMs: 300 });
    await getSecrets(a, { maxAgeSeconds: 0.1 });
    await sleep(400);
    fake.injectFault({ kind: 'hang' });
    const error = await rejection(within(getSecrets(a, { maxAgeSeconds: 0.1 })[0], 15_000));
    expect(error).toBeInstanceOf(SecretTimeoutError);
  });
});

describe('a failed forceRefresh', () => {
  test('leaves the cached value for readers who did not force, during and after it', async () => {
    const a = seeded();
    await getSecrets(a);
    fake.injectFault({ secretId: a, kind: 'access-denied', delayMs: 300, times: 1 });
    fake.resetCalls();
    const forced = getSecrets(a, { forceRefresh: true })[0];
    const plainDuring = getSecrets(a)[0];
    expect(await plainDuring).toBe(`value-${a}`);
    expect(await rejection(forced)).toBeInstanceOf(SecretAccessDeniedError);
    expect(await getSecrets(a)).toEqual([`value-${a}`]);
    expect(fake.calls.GetSecretValue).toBe(1);
  });

  test('concurrent forced reads share one refresh', async () => {
    const a = seeded();
    await getSecrets(a);
    fake.putSecret(a, 'rotated');
    fake.resetCalls();
    const all = await Promise.all([getSecrets(a, { forceRefresh: true }), getSecrets(a, { forceRefresh: true })]);
    expect(all).toEqual([['rotated'], ['rotated']]);
    expect(fake.calls.GetSecretValue).toBe(1);
  });
});

describe('promises created early and awaited later never crash the process', () => {
  // A fresh process: Node's default unhandled-rejection mode ends it with exit code 1.
  test.each([
    ['getSecretJson', "getSecretJson('missing-secret')"],
    ['a getSecrets item', "getSecrets('missing-secret')[0]"],
    ['withSecrets', "withSecrets(['missing-secret'], async () => 1, { isAuthError: () => false })"],
  ])('%s started at module scope and awaited after it failed', async (_, expression) => {
    const script = `
      const { getSecretJson, getSecrets, withSecrets } = require('./lib/runtime');
      const early = ${expression};
      setTimeout(async () => {
        try { await early; console.log('resolved'); } catch (e) { console.log('caught ' + e.code); }
      }, 1500);`;
    const { code, stdout, stderr } = await runNode(script, lambdaLikeEnv(fake.endpoint));
    expect({ code, stdout: stdout.trim(), stderr: stderr.includes('Unhandled') ? stderr : '' })
      .toEqual({ code: 0, stdout: 'caught ResourceNotFoundException', stderr: '' });
  });
});

describe('reads of several secrets at once write no MaxListenersExceededWarning to the function\'s log', () => {
  test.each([
    // A version stage reads each id with its own GetSecretValue, all in flight at once.
    ['25 requests sharing one deadline', 25, undefined],
    ['4 slow requests (guard for skipping setMaxListeners up to 4)', 4, 300],
  ])('%s', async (_name, count, slowMs) => {
    const ids = Array.from({ length: count }, () => seeded());
    if (slowMs !== undefined) fake.injectFault({ kind: 'slow', delayMs: slowMs });
    const script = `
      const { getSecrets } = require('./lib/runtime');
      Promise.all(getSecrets(...${JSON.stringify(ids)}, { versionStage: 'AWSCURRENT' }))
        .then((values) => console.log('read ' + values.length), (e) => console.log('failed ' + e.code));`;
    const { code, stdout, stderr } = await runNode(script, lambdaLikeEnv(fake.endpoint));
    expect({ code, stdout: stdout.trim(), warnings: stderr.match(/.*MaxListeners.*/g) ?? [] })
      .toEqual({ code: 0, stdout: `read ${count}`, warnings: [] });
    expect(fake.calls.GetSecretValue).toBe(count);
  });
});

describe('errors never carry response bytes', () => {
  const marker = 'zz-Leak-Marker-91c4';

  function expectNoMarker(error: unknown): void {
    const e = error as Error;
    for (const text of [e.message, e.stack ?? '', String(e), JSON.stringify(e)]) expect(text).not.toContain(marker);
  }

  test('a malformed 200 body rejects with MalformedResponse and no part of the body', async () => {
    const a = seeded(`${marker}-value`);
    configureSecrets({ clientConfig: { maxAttempts: 1 } });
    fake.injectFault({ kind: 'malformed-body' });
    const error = await rejection(getSecrets(a)[0]);
    expect(error).toBeInstanceOf(SecretFetchError);
    expect(error).toMatchObject({ code: 'MalformedResponse', secretId: a });
    expectNoMarker(error);
  });

  test('a malformed batch body rejects every item with no part of the body', async () => {
    const [a, b] = [seeded(`${marker}-a`), seeded(`${marker}-b`)];
    configureSecrets({ clientConfig: { maxAttempts: 1 } });
    fake.injectFault({ kind: 'malformed-body', operation: 'BatchGetSecretValue' });
    for (const p of getSecrets(a, b)) {
      const error = await rejection(p);
      expect(error.code).toBe('MalformedResponse');
      expectNoMarker(error);
    }
  });

  test('a service error message quoting response text is not copied', async () => {
    const a = seeded();
    configureSecrets({ clientConfig: { maxAttempts: 1 } });
    fake.injectFault({ kind: 'server-error', message: `bad request near "${marker}"` });
    const error = await rejection(getSecrets(a)[0]);
    expect(error).toMatchObject({ code: 'InternalServiceError' });
    expect(error.message).toContain('HTTP 500');
    expectNoMarker(error);
  });

  test('an error name that is not an AWS error name is not copied either', async () => {
    const a = seeded();
    configureSecrets({ clientConfig: { maxAttempts: 1 } });
    // A __type that is response text rather than an AWS error name.
    fake.injectFault({ kind: 'server-error', errorType: `${marker} value` });
    const error = await rejection(getSecrets(a)[0]);
    expect(error).toBeInstanceOf(SecretError);
    expect(error.code).toBe('UnknownError');
    expectNoMarker(error);
  });

  test('deeply nested invalid JSON rejects with SecretJsonError, not RangeError', async () => {
    const a = seeded('['.repeat(30_000));
    const error = await rejection(getSecretJson(a));
    expect(error).toBeInstanceOf(SecretJsonError);
    expect(error).toMatchObject({ code: 'InvalidJson', position: 30_000, line: 1 });
  });

  test('deeply nested invalid JSON in objects is located too', async () => {
    const value = '{"a":'.repeat(20_000) + 'x';
    const a = seeded(value);
    const error = await rejection(getSecretJson(a));
    expect(error).toMatchObject({ code: 'InvalidJson', position: value.length - 1 });
  });
});
