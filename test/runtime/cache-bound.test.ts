/*
 * The cache is bounded: per-tenant secrets (many distinct ids) must not grow the heap without limit.
 * Memory is measured after a forced GC, over real HTTP with the real SDK.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { restoreEnv, sleep, useEndpoint } from './helpers';
import { clearSecretCache, configureSecrets, getSecrets } from '../../lib/runtime';
import { cache } from '../../lib/runtime/cache';
import { forcedAt } from '../../lib/runtime/refresh';
import { FakeSecretsManager, startFakeSecretsManager } from '../support/fake-secrets-manager';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const TENANTS = 100_000;
const PER_CALL = 1_000;
let fake: FakeSecretsManager;

/** Heap in use after full collections; weak callbacks get a turn between them so the second pass frees what they release. */
async function heapMiB(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed / 2 ** 20;
}

beforeAll(async () => {
  fake = await startFakeSecretsManager();
  for (let i = 0; i < TENANTS; i++) fake.putSecret(`tenant-${i}/api-key`, `key-of-tenant-${i}-${'x'.repeat(200)}`);
});

afterAll(async () => {
  restoreEnv();
  await fake.close();
});

beforeEach(() => {
  useEndpoint(fake.endpoint);
  fake.resetCalls();
});

test('100,000 distinct ids keep at most 1,024 entries (the default) and little memory', async () => {
  let largest = 0;
  for (let start = 0; start < TENANTS; start += PER_CALL) {
    const ids = Array.from({ length: PER_CALL }, (_, k) => `tenant-${start + k}/api-key`);
    const values = await getSecrets(...ids);
    expect(values[PER_CALL - 1]).toBe(`key-of-tenant-${start + PER_CALL - 1}-${'x'.repeat(200)}`);
    largest = Math.max(largest, cache.size);
    fake.resetCalls(); // the fake's request log is not the runtime's memory
  }
  // What the cache holds on to: the heap with it, minus the heap once it is emptied.
  const entries = cache.size;
  const withCache = await heapMiB();
  clearSecretCache();
  const without = await heapMiB();
  process.stdout.write(`[measured] 100,000 ids: ${entries} entries (largest ${largest}), cache retains ${(withCache - without).toFixed(1)} MiB ` +
    `(heap ${withCache.toFixed(1)} MiB with it, ${without.toFixed(1)} MiB without)\n`);
  expect(largest).toBeLessThanOrEqual(1024);
  expect(withCache - without).toBeLessThan(4);
  // 100 batches over real HTTP take ~30 s alone and over a minute on a busy 2-core CI machine: the time is
  // not what this asserts (memory and the bound are), so the test gets room beyond the default 60 s.
}, 240_000);

test('entries past their TTL and stale window are dropped', async () => {
  // Every value is kept for the stale window (maxStaleSeconds) past its TTL, in case a reader asks for serveStale.
  configureSecrets({ maxAgeSeconds: 0.5, maxStaleSeconds: 0 });
  await getSecrets(...Array.from({ length: 500 }, (_, k) => `tenant-${k}/api-key`));
  expect(cache.size).toBe(500);
  await sleep(1100); // all expired, and the once-a-second sweep is due
  await getSecrets('tenant-99999/api-key');
  process.stdout.write(`[measured] 500 expired entries, one more read: ${cache.size} entries left\n`);
  expect(cache.size).toBe(1);
});

test('CDK_APP_SECRETS_CACHE_MAX_ENTRIES bounds the cache, evicting the least recently used', async () => {
  process.env.CDK_APP_SECRETS_CACHE_MAX_ENTRIES = '50';
  const hot = 'tenant-99999/api-key';
  await getSecrets(hot);
  for (let i = 0; i < 200; i += 10) {
    await getSecrets(...Array.from({ length: 10 }, (_, k) => `tenant-${i + k}/api-key`));
    await getSecrets(hot); // keeps it recently used
    expect(cache.size).toBeLessThanOrEqual(50);
  }
  fake.resetCalls();
  await getSecrets(hot, 'tenant-0/api-key');
  // The hot id was never evicted; the oldest cold one was.
  expect(fake.requests.map((r) => r.secretIds)).toEqual([['tenant-0/api-key']]);
});

test('configureSecrets({ cacheMaxEntries }) bounds the cache too', async () => {
  configureSecrets({ cacheMaxEntries: 10 });
  await getSecrets(...Array.from({ length: 40 }, (_, k) => `tenant-${k}/api-key`));
  expect(cache.size).toBeLessThanOrEqual(10);
});

test('forced reads of many ids are remembered only for the caching extension\'s TTL (300 s), not forever', async () => {
  const start = Date.now();
  const clock = jest.spyOn(Date, 'now');
  try {
    for (let minute = 0; minute < 10; minute++) {
      clock.mockReturnValue(start + minute * 60_000);
      // Per-tenant secrets read with forceRefresh (always fresh), a thousand new tenants a minute.
      await getSecrets(...Array.from({ length: PER_CALL }, (_, k) => `tenant-${minute * PER_CALL + k}/api-key`), { forceRefresh: true });
    }
    // The last five minutes' forced reads, not the ten minutes' 10,000.
    expect(forcedAt.size).toBeLessThanOrEqual(5 * PER_CALL + PER_CALL);
  } finally {
    clock.mockRestore();
  }
}, 120_000);
