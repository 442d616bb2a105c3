/*
 * The process-wide value cache. An entry keeps the Promise it handed out: while pending, concurrent
 * callers share it; once fulfilled, hits return that same settled object (no allocation). Failed
 * first fetches are removed, so the next call fetches again; a failed refresh leaves the value.
 *
 * The cache is bounded: at most `cacheMaxEntries` entries (least recently used go first, evicted in
 * batches so a hit costs one field write), and entries past their keep-until time are swept.
 */
import type { VersionSelector } from './transport';

/** @internal A refresh of a cached value in flight (after expiry, or forced). */
export interface Refresh {
  /** Settles with the new value, or rejects with the SecretError; the cached value is untouched until it succeeds. */
  readonly promise: Promise<string>;
  readonly resolve: (value: string) => void;
  readonly reject: (reason: unknown) => void;
  /** When it started (ms since epoch). */
  readonly startedAt: number;
  /** For serve-stale readers: the new value if it comes within the wait, else the stale one. Made once. */
  orStale?: Promise<string>;
  /** Lands the value of a refresh this one replaced, which answered first: run if this one fails. */
  fallback?: () => void;
}

/** @internal A request for an entry, queued for the end of the tick. */
export interface QueuedRequest {
  /** The refresh it settles, or undefined for the entry's first fetch. */
  readonly refresh: Refresh | undefined;
}

/** @internal A read-only result list of cached values, and its items. */
export interface SharedList {
  readonly items: readonly Promise<string>[];
  readonly list: PromiseLike<readonly string[]>;
}

/** @internal One cached secret. */
export interface CacheEntry {
  /** The promise handed to callers. Pending (first fetch) or fulfilled; rejected first fetches are removed. */
  readonly promise: Promise<string>;
  /** When the value arrived (ms since epoch); Infinity while the first fetch is in flight. */
  fetchedAt: number;
  /** After this time (ms since epoch) the entry may be dropped; Infinity while the first fetch is in flight. */
  keepUntil: number;
  /** Last read (ms since epoch), for least-recently-used eviction. */
  usedAt: number;
  /** The value, once the promise is fulfilled: lets a list of hits resolve without waiting on each promise. */
  value?: string;
  /** The read-only one-item result list handed out for single-id reads, made on first use and reused on every hit. */
  list?: PromiseLike<readonly string[]>;
  /** The read-only result list of the last multi-id read of cached values that began with this id, and its items. */
  shared?: SharedList;
  /** Lists of earlier multi-id reads that began with this id, in other shapes (a few at most). */
  otherShared?: SharedList[];
  /** A refresh in flight; readers that may not use this value join it. */
  refresh?: Refresh;
  /**
   * A request for this entry (its first fetch or a refresh) queued for the end of the tick, not sent
   * yet: a forced read joins it (making it forced), never one already sent, whose answer may predate
   * what made the caller force (a rotation).
   */
  queued?: QueuedRequest;
  /** The last refresh failed: serve-stale readers take this value at once instead of waiting again. */
  refreshFailed?: boolean;
}

/** @internal Key: the id alone, or the id plus its version selector. */
export const cache = new Map<string, CacheEntry>();

/** Sweeping expired entries walks the whole (bounded) map, so it runs at most this often. */
const SWEEP_INTERVAL_MS = 1000;
let nextSweep = 0;

/**
 * @internal The version selector of a read's options (getSecrets, getSecretJson, withSecrets), or
 * undefined for the current version: the one place that decides which cache key a read uses.
 */
export function versionOf(options: VersionSelector | undefined): VersionSelector | undefined {
  return options !== undefined && (options.versionStage !== undefined || options.versionId !== undefined)
    ? { versionStage: options.versionStage, versionId: options.versionId }
    : undefined;
}

/** @internal The cache key of `id`: the id itself for the current version, else with the version stage or id appended. */
export function cacheKey(id: string, version: VersionSelector | undefined): string {
  return version === undefined ? id : `${id}\u0000${version.versionStage ?? ''}\u0000${version.versionId ?? ''}`;
}

/** @internal Store `entry`, then drop expired entries (at most once a second) and the least recently used beyond `maxEntries`. */
export function cacheInsert(key: string, entry: CacheEntry, now: number, maxEntries: number): void {
  cache.set(key, entry);
  if (now >= nextSweep) {
    nextSweep = now + SWEEP_INTERVAL_MS;
    for (const [k, e] of cache) {
      if (e.keepUntil < now && e.refresh === undefined) cache.delete(k);
    }
  }
  if (cache.size > maxEntries) evict(maxEntries);
}

/**
 * Forget every cached value, so the next read fetches again. Requests in flight still complete for
 * their callers but are not cached.
 */
export function clearSecretCache(): void {
  cache.clear();
  nextSweep = 0;
}

/** Drop the least recently used entries down to 90% of the bound, so eviction is rare and a hit stays cheap. */
function evict(maxEntries: number): void {
  const keep = Math.max(1, maxEntries - Math.ceil(maxEntries / 10));
  const byUse = [...cache].sort((a, b) => a[1].usedAt - b[1].usedAt);
  for (let i = 0; i < byUse.length - keep; i++) cache.delete(byUse[i][0]);
}
