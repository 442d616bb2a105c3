import { cache, CacheEntry, versionKey } from './cache';
import { SecretError } from './errors';
import { fetchSecrets, Outcome, VersionSelector } from './fetch';
import { parseSecretJson } from './json';
import { currentSettings, SecretOptions } from './options';

/**
 * What `getSecrets` returns: an array with one `Promise<string>` per id, in order, that is also
 * awaitable as a whole (resolving to a plain array of the values).
 */
export type SecretPromises<T extends readonly string[]> =
  { [K in keyof T]: Promise<string> } & PromiseLike<{ [K in keyof T]: string }>;

/** Where a result list keeps the promise of all its values, when it was made ahead (single-id lists). */
const ALL = Symbol('cdk-app-secrets.all');

type ResultList = Array<Promise<string>> & { [ALL]?: Promise<string[]> };

/**
 * Prototype of result lists: an array prototype with a non-enumerable `then`, so a list is awaitable
 * and still spreads, iterates and serializes like a plain array. (A list is a real array whose
 * prototype is set after it is built; an `Array` subclass is several times slower to construct.)
 */
const LIST_PROTO: object = Object.create(Array.prototype, {
  then: {
    value: function then(this: ResultList, onfulfilled?: (values: string[]) => unknown, onrejected?: (reason: unknown) => unknown) {
      return (this[ALL] ?? Promise.all(this as Array<Promise<string>>)).then(onfulfilled, onrejected);
    },
    writable: true,
    configurable: true,
  },
});

const noop = (): void => {};

/** A miss in one getSecrets call, waiting for its fetch. */
interface Pending {
  readonly id: string;
  readonly key: string;
  readonly entry: CacheEntry;
  /** The previous (expired) fulfilled entry, for serve-stale. */
  readonly stale: CacheEntry | undefined;
  readonly resolve: (value: string | Promise<string>) => void;
  readonly reject: (reason: SecretError) => void;
}

/**
 * Read secrets by name or ARN, with caching and batching.
 *
 * Returns one `Promise<string>` per id, in order; the result can also be awaited as a whole:
 *
 * ```ts
 * const [stripeKey] = getSecrets(getEnv('stripe-api-key'));    // Promise per id
 * const [stripe, db] = await getSecrets(getEnv('stripe-api-key'), getEnv('db-password'));
 * const [pending] = await getSecrets(id, { versionStage: 'AWSPENDING' });  // options last
 * ```
 *
 * Cached values younger than `maxAgeSeconds` (default 300) are returned without I/O. Ids not in the
 * cache are fetched together: one id with GetSecretValue, several with BatchGetSecretValue (20 ids per
 * request, chunks in parallel). Concurrent reads of the same id share one request. Failures are not
 * cached. A rejected item never becomes an unhandled rejection, whichever items the caller awaits.
 *
 * Treat the returned arrays as read-only: for a single id, the list and the awaited values array
 * are frozen and shared between calls (that is what makes a cached read allocation-free).
 *
 * Items reject with a `SecretError` subclass (not found, access denied, KMS, placeholder, binary,
 * local mode, fetch failure).
 *
 * @throws TypeError synchronously when an id is not a non-empty string.
 */
export function getSecrets<T extends readonly string[]>(...ids: T): SecretPromises<T>;
/** Read secrets with options for this call (last argument). */
export function getSecrets<T extends readonly string[]>(...idsAndOptions: [...ids: T, options: SecretOptions]): SecretPromises<T>;
export function getSecrets(...args: Array<string | SecretOptions>): SecretPromises<string[]> {
  let count = args.length;
  let options: SecretOptions | undefined;
  const last = args[count - 1];
  if (typeof last === 'object' && last !== null) {
    options = last;
    count--;
  }
  const s = currentSettings();
  let maxAgeMs = s.maxAgeMs;
  let serveStale = s.serveStale;
  let force = false;
  let version: VersionSelector | undefined;
  if (options !== undefined) {
    if (options.maxAgeSeconds !== undefined) maxAgeMs = options.maxAgeSeconds * 1000;
    if (options.serveStale !== undefined) serveStale = options.serveStale;
    force = options.forceRefresh === true;
    if (options.versionStage !== undefined || options.versionId !== undefined) {
      version = { versionStage: options.versionStage, versionId: options.versionId };
    }
  }
  const now = Date.now();
  if (count === 1) return getOne(args[0] as string, version, now, maxAgeMs, force, serveStale);
  const result: ResultList = [];
  let pending: Pending[] | undefined;
  for (let i = 0; i < count; i++) {
    const id = checkId(args[i], i);
    const key = version === undefined ? id : versionKey(id, version.versionStage, version.versionId);
    const entry = cache.get(key);
    // In-flight entries (fetchedAt = Infinity) always hit: concurrent reads share one request.
    if (entry !== undefined && now - entry.fetchedAt < maxAgeMs && !(force && entry.fetchedAt !== Infinity)) {
      result.push(entry.promise);
      continue;
    }
    const miss = startEntry(id, key, entry);
    (pending ??= []).push(miss);
    result.push(miss.entry.promise);
  }
  if (pending !== undefined) {
    const misses = pending;
    void fetchSecrets(misses.map((p) => p.id), version).then((outcomes) => {
      for (let i = 0; i < misses.length; i++) settle(misses[i], outcomes[i], serveStale);
    }, () => {
      // fetchSecrets resolves with per-id errors and never rejects; this is a safety net.
      for (const miss of misses) settle(miss, undefined, serveStale);
    });
  }
  Object.setPrototypeOf(result, LIST_PROTO);
  return result as unknown as SecretPromises<string[]>;
}

/** The single-id path: on a hit, no allocation at all (the entry's frozen list is handed back). */
function getOne(
  arg: string, version: VersionSelector | undefined, now: number, maxAgeMs: number, force: boolean, serveStale: boolean,
): SecretPromises<string[]> {
  const id = checkId(arg, 0);
  const key = version === undefined ? id : versionKey(id, version.versionStage, version.versionId);
  const entry = cache.get(key);
  if (entry !== undefined && now - entry.fetchedAt < maxAgeMs && !(force && entry.fetchedAt !== Infinity)) {
    return (entry.list ?? singleList(entry)) as unknown as SecretPromises<string[]>;
  }
  const miss = startEntry(id, key, entry);
  void fetchSecrets([id], version).then((outcomes) => settle(miss, outcomes[0], serveStale), () => settle(miss, undefined, serveStale));
  return singleList(miss.entry) as unknown as SecretPromises<string[]>;
}

function singleList(entry: CacheEntry): readonly Promise<string>[] {
  const list: ResultList = [entry.promise];
  const all = entry.promise.then(toFrozenArray);
  all.catch(noop);
  list[ALL] = all;
  Object.setPrototypeOf(list, LIST_PROTO);
  entry.list = Object.freeze(list);
  return list;
}

function toFrozenArray(value: string): string[] {
  return Object.freeze([value]) as string[];
}

function checkId(id: unknown, index: number): string {
  if (typeof id !== 'string' || id === '') {
    throw new TypeError(`getSecrets: argument ${index + 1} must be a secret name or ARN, got ${id === '' ? 'an empty string' : typeof id}. ` +
      "Read the name with getEnv('<logical name>').");
  }
  return id;
}

/**
 * Read one secret and parse it as JSON.
 *
 * ```ts
 * const db = await getSecretJson<{ username: string; password: string }>(getEnv('db-credentials'));
 * ```
 *
 * The type parameter is not checked at run time. Rejects with `SecretJsonError` (giving the position,
 * never the value) when the value is not valid JSON, or with the errors of `getSecrets`.
 */
export function getSecretJson<T = unknown>(id: string, options?: SecretOptions): Promise<T> {
  const [promise] = options === undefined ? getSecrets(id) : getSecrets(id, options);
  return promise.then((text) => parseSecretJson(id, text) as T);
}

function startEntry(id: string, key: string, previous: CacheEntry | undefined): Pending {
  let resolve!: Pending['resolve'];
  let reject!: Pending['reject'];
  const promise = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(noop); // Rejections reach the caller; never unhandled.
  const entry: CacheEntry = { promise, fetchedAt: Infinity };
  cache.set(key, entry);
  const stale = previous !== undefined && previous.fetchedAt !== Infinity ? previous : undefined;
  return { id, key, entry, stale, resolve, reject };
}

function settle(miss: Pending, outcome: Outcome | undefined, serveStale: boolean): void {
  const { key, entry } = miss;
  if (typeof outcome === 'string') {
    entry.fetchedAt = Date.now();
    miss.resolve(outcome);
    return;
  }
  const current = cache.get(key) === entry;
  if (serveStale && miss.stale !== undefined) {
    // Keep the expired value; the next read tries to refresh it again.
    if (current) cache.set(key, miss.stale);
    miss.resolve(miss.stale.promise);
    return;
  }
  if (current) cache.delete(key);
  miss.reject(outcome ?? new SecretError(miss.id, 'InternalError', `reading secret ${miss.id} produced no result; this is a bug in cdk-app-secrets`));
}
