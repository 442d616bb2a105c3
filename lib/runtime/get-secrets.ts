import { cache, CacheEntry, cacheKey, versionOf } from './cache';
import { parseSecretJson } from './json';
import { checkOptions, currentSettings, SecretOptions } from './options';
import { Miss, ReadContext, readMiss, startFetch } from './refresh';
import { VersionSelector } from './transport';

/**
 * What `getSecrets` returns: a list with one `Promise<string>` per id, in order (index it, destructure
 * it, iterate it, spread it), that is itself a `Promise` of all the values (await it, `.then` it).
 */
export type SecretPromises<T extends readonly string[]> =
  { [K in keyof T]: Promise<string> } & Promise<{ [K in keyof T]: string }>;

type ResultList = Promise<string[]> & { [index: number]: Promise<string>; length: number; [ITEMS]: readonly Promise<string>[] };

/**
 * A result list is a native promise (of all the values) given the indexes, `length`, iteration and
 * the array methods as its own properties. Own properties, not a prototype of its own: `await`
 * adopts a promise at native speed only while its prototype is `Promise.prototype` itself (a thenable
 * array costs two more microtask jobs and a promise per await). Lists are built on misses and once
 * per cached value, never on a hit, so their size buys the speed of every warm read.
 */
let listDescriptors: PropertyDescriptorMap | undefined;

/** Made on first use: importing the runtime does no work. */
function listProperties(): PropertyDescriptorMap {
  if (listDescriptors !== undefined) return listDescriptors;
  // One native call (its members are non-enumerable already): a third cheaper on a cold start than
  // copying them one by one.
  const descriptors = Object.getOwnPropertyDescriptors(Array.prototype) as unknown as PropertyDescriptorMap;
  for (const own of ['constructor', 'length', 'toString', 'toLocaleString']) delete descriptors[own];
  // Destructuring (`const [p] = getSecrets(id)`) iterates; this iterator is small enough for V8 to
  // optimize away, where Array.prototype.values on a non-array takes the generic, slower path.
  descriptors[Symbol.iterator as unknown as string] = { value: iterateList, writable: true, configurable: true };
  descriptors[Symbol.isConcatSpreadable as unknown as string] = { value: true, writable: true, configurable: true };
  return listDescriptors = descriptors;
}

function iterateList(this: ResultList): Iterator<Promise<string>> & Iterable<Promise<string>> {
  return new ListIterator(this[ITEMS]);
}

/**
 * The list's items as a plain array, which iteration reads: a shared list's read-only indexes are
 * slow elements for V8, and destructuring (`const [p] = getSecrets(id)`) is the common warm read.
 */
const ITEMS: unique symbol = Symbol('cdk-app-secrets.items');

class ListIterator {
  private index = 0;
  constructor(private readonly items: readonly Promise<string>[]) {}
  next(): IteratorResult<Promise<string>> {
    const i = this.index;
    if (i < this.items.length) {
      this.index = i + 1;
      return { value: this.items[i], done: false };
    }
    return { value: undefined, done: true };
  }
  [Symbol.iterator](): this {
    return this;
  }
}

/**
 * Turn `all` (the promise of every value) into the list of `items`. A list `shared` between callers
 * gets read-only indexes and length, but is never frozen: Node tags a promise with its async id when
 * async context tracking (AsyncLocalStorage, tracers) starts after the promise was made, and a frozen
 * promise makes that throw.
 */
function makeList(all: Promise<string[]>, items: readonly Promise<string>[], shared: boolean): ResultList {
  const list = Object.defineProperties(all, listProperties()) as ResultList;
  if (shared) {
    for (let i = 0; i < items.length; i++) void Object.defineProperty(list, i, { value: items[i], enumerable: true });
  } else {
    for (let i = 0; i < items.length; i++) list[i] = items[i];
  }
  // Not enumerable, as on an array: Object.keys and for...in see the indexes only.
  void Object.defineProperty(list, 'length', { value: items.length, writable: !shared });
  void Object.defineProperty(list, ITEMS, { value: items });
  return list;
}

const noop = (): void => {};

/** `getSecretJson`'s parsed values, by the promise of the text they were parsed from. */
const parsedByValue = new WeakMap<Promise<string>, Promise<unknown>>();

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
 * cache are fetched together, with the misses of every other call started with it (in one synchronous
 * run of code; a miss after an `await` that follows another goes out apart): one id with GetSecretValue, several with BatchGetSecretValue (20 ids per request, chunks
 * in parallel), each ARN from its own region. Concurrent reads of the same id share one
 * request. Failures are not cached. Every fetch settles within `timeoutMs` (default 2000). A rejected
 * item never becomes an unhandled rejection, whichever items the caller awaits.
 *
 * The result is a list (index, destructure, iterate or spread it; it has the array methods, though
 * `Array.isArray` is false) and a native `Promise` of all the values (await it, `.then` or `.catch`
 * it). Treat it as read-only: when every id is cached, the list (its indexes and length cannot be
 * set) and the awaited values array are shared between calls (that is what makes a cached read
 * allocation-free). The awaited values array is frozen on every read, cold or warm.
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
  // The warm read of one id without options, kept small so it stays a handful of instructions: a
  // fresh cached value (or a first fetch in flight, fetchedAt = Infinity) returns the entry's list.
  if (args.length === 1) {
    const entry = cache.get(args[0] as string);
    if (entry !== undefined) {
      const now = Date.now();
      if (now - entry.fetchedAt < currentSettings().maxAgeMs) {
        entry.usedAt = now;
        return (entry.list ?? singleList(entry)) as unknown as SecretPromises<string[]>;
      }
    }
  }
  return read(args);
}

/** Every other read: several ids, options, or a miss. */
function read(args: Array<string | SecretOptions>): SecretPromises<string[]> {
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
    version = versionOf(options);
  }
  const now = Date.now();
  if (count === 1) {
    const id = checkId(args[0], 0);
    const key = cacheKey(id, version);
    const entry = cache.get(key);
    if (isHit(entry, now, maxAgeMs, force)) {
      entry.usedAt = now;
      return (entry.list ?? singleList(entry)) as unknown as SecretPromises<string[]>;
    }
    return missList(id, key, entry, { now, maxAgeMs, serveStale, force, version, settings: s });
  }
  // Every id is checked before any is read: a bad one throws with the cache untouched, not after the
  // ids before it were queued (their fetches would never start, and every later read of them would hang).
  for (let i = 0; i < count; i++) checkId(args[i], i);
  const items: Array<Promise<string>> = [];
  // Every value, while all of them are known (settled hits): the whole list then resolves without waiting.
  let values: string[] | undefined = [];
  let first: CacheEntry | undefined;
  let ctx: ReadContext | undefined;
  let misses: Miss[] | undefined;
  for (let i = 0; i < count; i++) {
    const id = args[i] as string;
    const key = cacheKey(id, version);
    const entry = cache.get(key);
    if (isHit(entry, now, maxAgeMs, force)) {
      entry.usedAt = now;
      if (i === 0) first = entry;
      items.push(entry.promise);
      if (values !== undefined && entry.value !== undefined) values.push(entry.value);
      else values = undefined;
    } else {
      ctx ??= { now, maxAgeMs, serveStale, force, version, settings: s };
      items.push(readMiss(id, key, entry, ctx, misses ??= []));
      values = undefined;
    }
  }
  if (misses !== undefined && misses.length > 0) startFetch(misses, ctx!);
  if (values !== undefined && first !== undefined) return sharedList(first, items, values) as unknown as SecretPromises<string[]>;
  return makeList(settledAll(Promise.all(items).then(freezeValues)), items, false) as unknown as SecretPromises<string[]>;
}

/**
 * Whether `entry` answers this read: a value younger than `maxAgeMs`, or a first fetch in flight
 * (fetchedAt = Infinity), which hits so concurrent reads share one request; never a forced read
 * (readMiss decides whether it may share a request in flight).
 */
function isHit(entry: CacheEntry | undefined, now: number, maxAgeMs: number, force: boolean): entry is CacheEntry {
  return entry !== undefined && !force && now - entry.fetchedAt < maxAgeMs;
}

/**
 * The list for a call whose ids are all cached values: the one made when the same values were last
 * read together in this order (kept on the first id's entry), else a new one, read-only and kept. A warm
 * handler reading the same ids on every request so allocates no list and no promise.
 */
function sharedList(first: CacheEntry, items: readonly Promise<string>[], values: string[]): ResultList {
  const shared = first.shared;
  if (shared !== undefined && sameItems(shared.items, items)) return shared.list as ResultList;
  return otherList(first, items, values);
}

/**
 * Lists of other shapes kept per first id: a handler may read a few lists that begin with the same id
 * on each request (stripe + webhook on one path, stripe + db on another), and making a list costs
 * ~100 times reusing one.
 */
const OTHER_LISTS = 4;

function otherList(first: CacheEntry, items: readonly Promise<string>[], values: string[]): ResultList {
  for (const kept of first.otherShared ?? []) if (sameItems(kept.items, items)) return kept.list as ResultList;
  const list = makeList(Promise.resolve(Object.freeze(values) as string[]), items, true);
  // The list array is made when a second shape first displaces the last one, not for every entry.
  if (first.shared !== undefined && (first.otherShared ??= []).push(first.shared) > OTHER_LISTS) first.otherShared.shift();
  first.shared = { items, list };
  return list;
}

function sameItems(a: readonly Promise<string>[], b: readonly Promise<string>[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The single-id miss: a list holding the promise of the fetch, refresh or stale value. */
function missList(id: string, key: string, entry: CacheEntry | undefined, ctx: ReadContext): SecretPromises<string[]> {
  const misses: Miss[] = [];
  const item = readMiss(id, key, entry, ctx, misses);
  if (misses.length > 0) startFetch(misses, ctx);
  return makeList(settledAll(item.then(toFrozenArray)), [item], false) as unknown as SecretPromises<string[]>;
}

/** The list a single-id hit returns: made once per cache entry, read-only, and shared by every hit. */
function singleList(entry: CacheEntry): ResultList {
  const all = entry.value !== undefined ? Promise.resolve(toFrozenArray(entry.value)) : settledAll(entry.promise.then(toFrozenArray));
  const list = makeList(all, [entry.promise], true);
  entry.list = list;
  return list;
}

/** `all`, marked handled: a caller who awaits only the items never sees the list's rejection as unhandled. */
function settledAll<T>(all: Promise<T>): Promise<T> {
  all.catch(noop);
  return all;
}

/**
 * Values are frozen on a miss as on a hit (where the array is shared between calls): code that changes
 * them then fails on the first, cold read, in the user's tests, not only once the function is warm.
 */
function freezeValues(values: string[]): string[] {
  return Object.freeze(values) as string[];
}

function toFrozenArray(value: string): string[] {
  return Object.freeze([value]) as string[];
}

function checkId(id: unknown, index: number): string {
  // No secret name or ARN starts or ends with a space or control character; in a message such an id
  // looks like the right one (a pasted name with its newline), so it is refused here, quoted.
  if (typeof id !== 'string' || id === '' || id.charCodeAt(0) <= 32 || id.charCodeAt(id.length - 1) <= 32) {
    const got = id === '' ? 'an empty string' : typeof id === 'string' ? `${JSON.stringify(id)} (with leading or trailing whitespace: trim it)`
      : Array.isArray(id) ? 'an array (spread it: getSecrets(...ids))' : typeof id;
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
 * The type parameter is not checked at run time; a leading byte order mark is skipped. Rejects with `SecretJsonError` (giving the position,
 * never the value) when the value is not valid JSON, or with the errors of `getSecrets`. The parsed
 * value of a cached secret is parsed once and shared by every read of it, so it is deeply frozen
 * (changing it throws a TypeError in strict code): copy it to change it. Like every
 * promise the runtime hands out, it may be created early (e.g. at module scope) and awaited later:
 * a failure in between is not an unhandled rejection.
 */
export function getSecretJson<T = unknown>(id: string, options?: SecretOptions): Promise<T> {
  const [promise] = options === undefined ? getSecrets(id) : getSecrets(id, options);
  // Keyed by the value's promise, which every read of one cached value shares (a refresh brings a new
  // one): the value is parsed once, not per read, and nothing stays behind once the value is dropped.
  let parsed = parsedByValue.get(promise);
  if (parsed === undefined) {
    const made = promise.then((text) => parsedBefore(id, options, promise, text) ?? parseSecretJson(id, text));
    parsedByValue.set(promise, made);
    // A failed parse is not kept (every read of an invalid value gets its own error), and never unhandled.
    made.catch(() => parsedByValue.delete(promise));
    parsed = made;
  }
  return parsed as Promise<T>;
}

/**
 * The parse of the cached value when `promise` (a refresh's) brought the same text back: the cache
 * kept its entry, so the reader that refreshed gets the object every other read gets.
 */
function parsedBefore(id: string, options: SecretOptions | undefined, promise: Promise<string>, text: string): Promise<unknown> | undefined {
  const entry = cache.get(cacheKey(id, versionOf(options)));
  return entry !== undefined && entry.promise !== promise && entry.value === text ? parsedByValue.get(entry.promise) : undefined;
}
