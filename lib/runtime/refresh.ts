/*
 * Misses and refreshes: what a read gets when the cache cannot answer at once, and how fetch outcomes
 * land in the cache.
 *
 * - No entry: a first fetch; its pending promise is cached so concurrent readers share it; a failure
 *   removes it (or, while a forced refresh of it is on its way, leaves it expired for that refresh).
 * - An expired or force-refreshed value: a refresh runs beside the cached value, which stays in place
 *   (and is served to everyone it is fresh enough for) until the refresh succeeds. Readers that may not
 *   use the old value join the refresh; a failed refresh leaves the old value for everyone else (or
 *   the value of an earlier refresh it replaced, which answered).
 * - With serveStale, a reader of an expired value waits at most `staleWaitMs` for the refresh, then
 *   takes the old value (at once after a refresh failed), while the refresh goes on in the background.
 */
import { cache, CacheEntry, cacheInsert, cacheKey, QueuedRequest } from './cache';
import { SecretError } from './errors';
import { extensionTarget } from './extension';
import { fetchSecrets } from './fetch';
import { currentSettings, ResolvedSettings } from './options';
import { Outcome, VersionSelector } from './transport';

/** @internal The options of one read, resolved. */
export interface ReadContext {
  now: number;
  maxAgeMs: number;
  serveStale: boolean;
  force: boolean;
  version: VersionSelector | undefined;
  readonly settings: ResolvedSettings;
}

/** @internal One id to fetch: a first fetch (no refresh) or a refresh of `entry`. */
export interface Miss extends QueuedRequest {
  readonly id: string;
  readonly key: string;
  readonly entry: CacheEntry;
  readonly resolve: (value: string) => void;
  readonly reject: (reason: unknown) => void;
}

const noop = (): void => {};

/** The Lambda extension's longest cache TTL (SECRETS_MANAGER_TTL; CDK refuses more). */
const EXTENSION_MAX_TTL_MS = 300_000;

/**
 * When the last forced read of each cache key was asked for (ms since epoch), oldest first. A caching
 * Lambda extension may hold the value from before it (a rotation) for up to its TTL, so reads of the
 * key skip it that long. Kept apart from the cache: a value clearSecretCache() or eviction dropped is
 * read again within that time too. Forced reads older than the TTL are dropped as new ones come.
 * @internal
 */
export const forcedAt = new Map<string, number>();

/** @internal Forget every forced read (tests only: clearSecretCache keeps them on purpose). */
export function resetForced(): void {
  forcedAt.clear();
}

/** @internal The cache key and entry of `id` for this read. */
export function lookup(id: string, ctx: ReadContext): { key: string; entry: CacheEntry | undefined } {
  const key = cacheKey(id, ctx.version);
  return { key, entry: cache.get(key) };
}

/**
 * @internal The promise a reader gets when `entry` is missing, expired or being forced. Adds to `misses`
 * what must be fetched; joins a refresh already in flight instead of starting another. A forced read
 * joins only a request not sent yet (which it makes forced): one already sent may have left before
 * the rotation that made the caller force, and so answer with the old value.
 */
export function readMiss(id: string, key: string, entry: CacheEntry | undefined, ctx: ReadContext, misses: Miss[]): Promise<string> {
  if (ctx.force) {
    for (const [k, at] of forcedAt) {
      if (at > ctx.now - EXTENSION_MAX_TTL_MS) break;
      forcedAt.delete(k);
    }
    forcedAt.delete(key); // re-inserted last: the map stays in time order
    forcedAt.set(key, ctx.now);
  }
  let refresh = entry?.refresh;
  if (entry !== undefined) {
    entry.usedAt = ctx.now;
    const waiting = entry.queued;
    // Joined, it is forced: forcedAt (above) now says so.
    if (ctx.force && waiting !== undefined) return (waiting.refresh ?? entry).promise;
  }
  if (entry === undefined || refresh === undefined || ctx.force) {
    const d = deferred();
    if (entry === undefined) {
      entry = { promise: d.promise, fetchedAt: Infinity, keepUntil: Infinity, usedAt: ctx.now };
      cacheInsert(key, entry, ctx.now, ctx.settings.cacheMaxEntries);
    } else {
      // A forced refresh replaces one already sent: that one then answers only its own readers.
      entry.refresh = refresh = { ...d, startedAt: ctx.now };
    }
    const miss: Miss = { id, key, entry, refresh, ...d };
    misses.push(entry.queued = miss);
  }
  if (refresh === undefined) return entry.promise; // a first fetch
  if (ctx.force || !ctx.serveStale || ctx.now - entry.fetchedAt > ctx.maxAgeMs + ctx.settings.maxStaleMs) return refresh.promise;
  if (entry.refreshFailed || ctx.settings.staleWaitMs === 0) return entry.promise;
  return refresh.orStale ??= freshOrStale(refresh.promise, entry.promise, ctx.settings.staleWaitMs - (ctx.now - refresh.startedAt));
}

/** A miss waiting for the end of the current tick, with what settling it needs. */
interface Queued {
  readonly miss: Miss;
  readonly version: VersionSelector | undefined;
  readonly keepMs: number;
  readonly maxEntries: number;
}

/** Misses started in the current tick (microtask turn); undefined when none is waiting. */
let queued: Queued[] | undefined;

/**
 * @internal Queue `misses` for one fetch at the end of the current tick. Every miss started in the
 * same synchronous turn, by any mix of `getSecrets` and `getSecretJson` calls, goes out together: one
 * BatchGetSecretValue (per region and chunk of 20) instead of one request per call.
 */
export function startFetch(misses: readonly Miss[], ctx: ReadContext): void {
  // How long the value may stay, whoever reads it next: not only this call's options, since a later
  // reader may have a longer maxAge or ask for serveStale (withSecrets' forced refresh never does).
  // The cache is bounded, so keeping every value for the stale window costs at most cacheMaxEntries.
  const keepMs = Math.max(ctx.maxAgeMs, ctx.settings.maxAgeMs) + ctx.settings.maxStaleMs;
  if (queued === undefined) {
    queued = [];
    // A promise job, not queueMicrotask: the same turn, but Node's queueMicrotask makes an async
    // resource per call, and its first call costs about 0.3 ms of a cold start.
    void Promise.resolve().then(flush);
  }
  for (const miss of misses) queued.push({ miss, version: ctx.version, keepMs, maxEntries: ctx.settings.cacheMaxEntries });
}

/** Fetch what the tick queued: one fetch per version selector (the current version is batched) and, past a caching extension, forced or not; each id once. */
function flush(): void {
  const batch = queued ?? [];
  queued = undefined;
  const now = Date.now();
  // Forced reads go apart only where they take another route: past a caching extension, which they
  // skip. Over the SDK they stay in the turn's BatchGetSecretValue.
  const s = currentSettings();
  const apart = extensionTarget(s, false) !== undefined && extensionTarget(s, true) === undefined;
  const groups = new Map<string, { version: VersionSelector | undefined; force: boolean; ids: string[]; byId: Map<string, Queued[]> }>();
  for (const q of batch) {
    // A key forced within a caching extension's TTL: the extension may still hold the value from before
    // (undefined > n is false: never forced).
    const force = apart && forcedAt.get(q.miss.key)! > now - EXTENSION_MAX_TTL_MS;
    q.miss.entry.queued = undefined; // sent: a forced read no longer joins it
    const groupKey = (force ? 'forced' : '') + cacheKey('', q.version);
    let group = groups.get(groupKey);
    if (group === undefined) groups.set(groupKey, group = { version: q.version, force, ids: [], byId: new Map() });
    const same = group.byId.get(q.miss.id);
    // The same id twice (the cache was cleared between two calls): fetched once, settled for both.
    if (same === undefined) {
      group.byId.set(q.miss.id, [q]);
      group.ids.push(q.miss.id);
    } else {
      same.push(q);
    }
  }
  for (const { version, force, ids, byId } of groups.values()) {
    const settleAll = (outcomes: readonly (Outcome | undefined)[]): void => {
      for (let i = 0; i < ids.length; i++) {
        for (const q of byId.get(ids[i])!) settle(q.miss, outcomes[i], q.keepMs, q.maxEntries);
      }
    };
    // fetchSecrets resolves with per-id errors and never rejects; the rejection handler is a safety net.
    void fetchSecrets(ids, version, force).then(settleAll, () => settleAll([]));
  }
}

function settle(miss: Miss, outcome: Outcome | undefined, keepMs: number, maxEntries: number): void {
  const { key, entry, refresh } = miss;
  const now = Date.now();
  const current = cache.get(key) === entry;
  if (typeof outcome === 'string') {
    if (refresh === undefined) {
      entry.fetchedAt = now;
      entry.keepUntil = now + keepMs;
      entry.value = outcome;
    } else if (entry.refresh === refresh || (entry.refresh === undefined && entry.refreshFailed)) {
      // This refresh, or one a later forced refresh replaced after that one failed: newer than the cached value.
      entry.refresh = undefined;
      if (current && outcome === entry.value) {
        // The same value: the entry stays, with its promise, result lists and parsed JSON (which handlers
        // compare by identity, e.g. to rebuild a connection pool); only its age starts again.
        entry.fetchedAt = now;
        entry.keepUntil = now + keepMs;
        entry.refreshFailed = false;
      } else if (current) {
        // The refresh's promise becomes the cached one, so its readers and later hits share one object.
        cacheInsert(key, { promise: refresh.promise, value: outcome, fetchedAt: now, keepUntil: now + keepMs, usedAt: now }, now, maxEntries);
      }
    } else if (entry.refresh !== undefined) {
      // Replaced by a forced refresh still on its way: the cache waits for that newer one, and takes
      // this value if it fails.
      entry.refresh.fallback = () => settle(miss, outcome, keepMs, maxEntries);
    }
    miss.resolve(outcome);
    return;
  }
  const error = outcome ?? new SecretError(miss.id, 'InternalError', `reading secret ${miss.id} produced no result; this is a bug in cdk-app-secrets`);
  if (refresh === undefined) {
    // A forced refresh asked for while this first read was on its way may still bring the value: the
    // entry waits for it, expired (readers join it), instead of being dropped before it lands.
    if (entry.refresh !== undefined) entry.fetchedAt = entry.keepUntil = 0;
    else if (current) cache.delete(key);
  } else if (entry.refresh === refresh) {
    // The cached value stays for everyone it is fresh enough for; the next expired read retries.
    entry.refresh = undefined;
    entry.refreshFailed = true;
    refresh.fallback?.();
  }
  miss.reject(error);
}

/** The refresh's value if it arrives within `waitMs`, else (or when it fails) the stale value. Never rejects. */
function freshOrStale(fresh: Promise<string>, stale: Promise<string>, waitMs: number): Promise<string> {
  return new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve(stale), Math.max(0, waitMs));
    fresh.then((value) => {
      clearTimeout(timer);
      resolve(value);
    }, () => {
      clearTimeout(timer);
      resolve(stale);
    });
  });
}

function deferred(): { promise: Promise<string>; resolve: (value: string) => void; reject: (reason: unknown) => void } {
  let resolve!: (value: string) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(noop); // Rejections reach the caller; never unhandled.
  return { promise, resolve, reject };
}
