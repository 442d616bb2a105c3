/*
 * Running work with secret values across a rotation. When a password or key is rotated, a warm
 * function keeps the old value until its cache expires, and its work fails authentication meanwhile.
 * withSecrets runs the work, and when it fails with an error the caller classifies as "credentials
 * rejected", refreshes those secrets once (callers failing together, in one synchronous run of code, share one refresh) and,
 * if a value changed, runs the work once more with the new values. It never loops.
 */
import { versionOf } from './cache';
import { getSecrets } from './get-secrets';
import { currentSettings, SecretOptions } from './options';
import { lookup } from './refresh';

/** Options of `withSecrets`. */
export interface WithSecretsOptions extends SecretOptions {
  /**
   * Whether an error thrown by the work means the credentials were rejected (e.g. Postgres code
   * `28P01`, MySQL `ER_ACCESS_DENIED_ERROR`, HTTP 401). Only then are the secrets refreshed.
   */
  readonly isAuthError: (error: unknown) => boolean;
}

const noop = (): void => {};

/**
 * Run `work` with the values of `ids`; if it throws an error `isAuthError` accepts, refresh the
 * secrets and run it once more with the new values.
 *
 * ```ts
 * const rows = await withSecrets([getEnv('db-credentials')], async ([json]) => {
 *   const { username, password } = JSON.parse(json);
 *   return query(username, password);
 * }, { isAuthError: (e) => (e as { code?: string }).code === '28P01' });
 * ```
 *
 * - The refresh is shared: if another caller already refreshed a secret to a newer value, that value
 *   is used without a request; callers failing together (in one synchronous run of code) send one request. A request already
 *   on its way (which may have left before the rotation) is not joined.
 * - If the refresh returns the same values (nothing was rotated, or rotation has not reached AWSCURRENT
 *   yet), the work is not run again and the original error is thrown.
 * - The work runs at most twice; an error in the second run is thrown as is.
 * - Reading the secrets rejects as `getSecrets` items do; the error of a failed refresh is thrown
 *   instead of the work's error.
 *
 * @throws TypeError synchronously when `ids` is not an array or `options.isAuthError` is not a function.
 */
export function withSecrets<T extends readonly string[], R>(
  ids: readonly [...T],
  work: (values: { -readonly [K in keyof T]: string }) => R | Promise<R>,
  options: WithSecretsOptions,
): Promise<R> {
  // A string would be spread into one read per character: a plain JavaScript caller gets this instead.
  if (!Array.isArray(ids)) {
    throw new TypeError(`withSecrets: the first argument must be an array of secret names or ARNs, got ${typeof ids}. ` +
      "Wrap the name in one: withSecrets([getEnv('<logical name>')], work, options).");
  }
  if (typeof options?.isAuthError !== 'function') {
    throw new TypeError('withSecrets: options.isAuthError must be a function telling whether an error means the credentials were rejected');
  }
  const result = run(ids, work as (values: string[]) => R | Promise<R>, options);
  result.catch(noop); // Rejections reach the caller when awaited; never unhandled.
  return result;
}

async function run<R>(ids: readonly string[], work: (values: string[]) => R | Promise<R>, options: WithSecretsOptions): Promise<R> {
  const { isAuthError, ...readOptions } = options;
  const values = await getSecrets(...ids, readOptions) as string[];
  try {
    return await work([...values]);
  } catch (error) {
    if (!isAuthError(error)) throw error;
    const fresh = await refreshed(ids, values, readOptions);
    if (fresh.every((value, i) => value === values[i])) throw error;
    return work(fresh);
  }
}

/** The current values of `ids`, refreshing (or joining a refresh of) each one still holding the value the work used. */
async function refreshed(ids: readonly string[], used: readonly string[], options: SecretOptions): Promise<string[]> {
  const s = currentSettings();
  const ctx = { now: Date.now(), maxAgeMs: s.maxAgeMs, serveStale: false, force: false, version: versionOf(options), settings: s };
  const fresh: Array<string | undefined> = await Promise.all(ids.map(async (id, i) => {
    const cached = lookup(id, ctx).entry;
    if (cached === undefined || cached.fetchedAt === Infinity) return undefined;
    const value = await cached.promise.catch(() => undefined);
    return value !== undefined && value !== used[i] ? value : undefined;
  }));
  const stale = ids.filter((_, i) => fresh[i] === undefined);
  const forced = stale.length > 0 ? getSecrets(...stale, { ...options, forceRefresh: true, serveStale: false }) : [];
  let k = 0;
  return Promise.all(ids.map((_, i) => fresh[i] !== undefined ? fresh[i] : forced[k++]));
}

