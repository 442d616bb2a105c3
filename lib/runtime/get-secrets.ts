import { cache, CacheEntry, versionKey } from './cache';
import { parseSecretJson } from './json';
import { checkOptions, currentSettings, SecretOptions } from './options';
import { Miss, ReadContext, readMiss, startFetch } from './refresh';
import { VersionSelector } from './transport';

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
 * cache are fetched together, with the misses of every other call started in the same turn of the
 * event loop: one id with GetSecretValue, several with BatchGetSecretValue (20 ids per request, chunks
 * in parallel), each ARN from its own region. Concurrent reads of the same id share one
 * request. Failures are not cached. Every fetch settles within `timeoutMs` (default 2000). A rejected
 * item never becomes an unhandled rejection, whichever items the caller awaits.
 *
 * Treat the returned arrays as read-only: for a single id, the list and the awaited values array
 * are frozen and shared between calls (that is what makes a cached read allocation-free).
 *
 * Items reject with a `SecretError` subclass (not found, access denied, KMS, placeholder, binary,
 * local mode, configuration, deadline, fetch failure).
 *
 * @throws TypeError synchronously when an id is not a non-empty string, or an option is out of range.
 */
export function getSecrets<T extends readonly string[]>(...ids: T): SecretPromises<T>;
/** Read secrets with options for this call (last argument). */
export function getSecrets<T extends readonly string[]>(...idsAndOptions: [...ids: T, options: SecretOptions]): SecretPromises<T>;
export function getSecrets(...args: Array<string | SecretOptions>): SecretPromises<string[]> {
  let count = args.length;
  let options: SecretOptions | undefined;
  const last = args[count - 1];
  // An array is an id list passed by mistake (getSecrets([a, b])), not options: checkId rejects it.
  if (typeof last === 'object' && last !== null && !Array.isArray(last)) {
    options = last;
    count--;
  }
  const s = currentSettings();
  // Plain locals, not an options object: a cached read allocates nothing (the context is built on a miss).
  let maxAgeMs = s.maxAgeMs;
  let serveStale = s.serveStale;
  let force = false;
  let version: VersionSelector | undefined;
  if (options !== undefined) {
    checkOptions(options);
    if (options.maxAgeSeconds !== undefined) maxAgeMs = options.maxAgeSeconds * 1000;
    if (options.serveStale !== undefined) serveStale = options.serveStale;
    force = options.forceRefresh === true;
    if (options.versionStage !== undefined || options.versionId !== undefined) {
      version = { versionStage: options.versionStage, versionId: options.versionId };
    }
  }
  const now = Date.now();
  if (count === 1) {
    const id = checkId(args[0], 0);
    const key = version === undefined ? id : versionKey(id, version.versionStage, version.versionId);
    const entry = cache.get(key);
    // In-flight first fetches (fetchedAt = Infinity) always hit: concurrent reads share one request.
    if (entry !== undefined && now - entry.fetchedAt < maxAgeMs && !(force && entry.fetchedAt !== Infinity)) {
      entry.usedAt = now;
      return (entry.list ?? singleList(entry)) as unknown as SecretPromises<string[]>;
    }
    return missList(id, key, entry, { now, maxAgeMs, serveStale, force, version, settings: s });
  }
  const result: ResultList = [];
  let ctx: ReadContext | undefined;
  let misses: Miss[] | undefined;
  for (let i = 0; i < count; i++) {
    const id = checkId(args[i], i);
    const key = version === undefined ? id : versionKey(id, version.versionStage, version.versionId);
    const entry = cache.get(key);
    if (entry !== undefined && now - entry.fetchedAt < maxAgeMs && !(force && entry.fetchedAt !== Infinity)) {
      entry.usedAt = now;
      result.push(entry.promise);
    } else {
      ctx ??= { now, maxAgeMs, serveStale, force, version, settings: s };
      result.push(readMiss(id, key, entry, ctx, misses ??= []));
    }
  }
  if (misses !== undefined && misses.length > 0) startFetch(misses, ctx!);
  Object.setPrototypeOf(result, LIST_PROTO);
  return result as unknown as SecretPromises<string[]>;
}

/** The single-id miss: a list holding the promise of the fetch, refresh or stale value. */
function missList(id: string, key: string, entry: CacheEntry | undefined, ctx: ReadContext): SecretPromises<string[]> {
  const misses: Miss[] = [];
  const list: ResultList = [readMiss(id, key, entry, ctx, misses)];
  if (misses.length > 0) startFetch(misses, ctx);
  Object.setPrototypeOf(list, LIST_PROTO);
  return list as unknown as SecretPromises<string[]>;
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
    const got = id === '' ? 'an empty string' : Array.isArray(id) ? 'an array (spread it: getSecrets(...ids))' : typeof id;
    throw new TypeError(`getSecrets: argument ${index + 1} must be a secret name or ARN, got ${got}. ` +
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
 * never the value) when the value is not valid JSON, or with the errors of `getSecrets`. Like every
 * promise the runtime hands out, it may be created early (e.g. at module scope) and awaited later:
 * a failure in between is not an unhandled rejection.
 */
export function getSecretJson<T = unknown>(id: string, options?: SecretOptions): Promise<T> {
  const [promise] = options === undefined ? getSecrets(id) : getSecrets(id, options);
  const parsed = promise.then((text) => parseSecretJson(id, text) as T);
  parsed.catch(noop); // Rejections reach the caller when awaited; never unhandled.
  return parsed;
}

