/*
 * The process-wide value cache. An entry keeps the Promise it handed out: while pending, concurrent
 * callers share it; once fulfilled, hits return that same settled object (no allocation). Failed
 * fetches are removed, so the next call fetches again.
 */

/** @internal One cached secret. */
export interface CacheEntry {
  /** The promise handed to callers. Pending or fulfilled; rejected entries are removed. */
  readonly promise: Promise<string>;
  /** When the value arrived (ms since epoch); Infinity while the fetch is in flight. */
  fetchedAt: number;
  /** The frozen one-item result handed out for single-id reads, made on first use and reused on every hit. */
  list?: readonly Promise<string>[];
}

/** @internal Key: the id alone, or the id plus its version selector. */
export const cache = new Map<string, CacheEntry>();

/** @internal The cache key of `id` read at a version stage or version id. */
export function versionKey(id: string, versionStage: string | undefined, versionId: string | undefined): string {
  return `${id}\u0000${versionStage ?? ''}\u0000${versionId ?? ''}`;
}

/**
 * Forget every cached value, so the next read fetches again. Requests in flight still complete for
 * their callers but are not cached.
 */
export function clearSecretCache(): void {
  cache.clear();
}
