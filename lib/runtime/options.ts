/*
 * Process-wide settings. Resolved lazily on first use, in this order (first wins):
 * configureSecrets(...) > CDK_APP_SECRETS_* environment variables > defaults.
 *
 * No type here comes from the AWS SDK: the published .d.ts must type-check for users who have no
 * SDK installed (local mode, unit tests) and without skipLibCheck.
 */

/**
 * What the runtime needs from a Secrets Manager client. A v3 `SecretsManagerClient` (or one wrapped
 * for X-Ray) has it; the runtime builds the commands itself and passes them to `send`.
 */
export interface SecretsClient {
  /** The client's resolved configuration; `region` names the region in error messages and routes ARNs. */
  readonly config?: { readonly region?: string | (() => Promise<string>) };
  /** Send one command; `options.abortSignal` is aborted when the read's deadline passes. */
  send(command: object, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/**
 * Config for the clients the runtime creates: any `SecretsManagerClientConfig` (e.g. `maxAttempts`,
 * `endpoint`, `logger`), or a function of the region giving one. The function is called once per client:
 * with `undefined` for the default region (names and ARNs of that region) and with the region of every
 * other region an ARN names.
 */
export type SecretsClientConfig = object | ((region: string | undefined) => object);

/** Options for one `getSecrets` / `getSecretJson` call. Unset fields fall back to the process-wide settings. */
export interface SecretOptions {
  /** Serve a cached value younger than this many seconds; older values are fetched again. Default 300 (`CDK_APP_SECRETS_MAX_AGE_SECONDS`). */
  readonly maxAgeSeconds?: number;
  /**
   * Fetch again even when a fresh value is cached, with a request sent after this call: reads asked for in
   * the same synchronous run of code share it, a request already on its way (which may have left before a rotation) is not
   * joined. The new value replaces the cached one; a failed refresh leaves it in place.
   */
  readonly forceRefresh?: boolean;
  /** Read this version stage, e.g. `AWSPENDING` in rotation code. Cached separately. Uses GetSecretValue (never batched). */
  readonly versionStage?: string;
  /** Read this version id. Cached separately. Uses GetSecretValue (never batched). */
  readonly versionId?: string;
  /**
   * When an expired value's refresh fails or is slow, serve the expired value (at most `maxStaleSeconds`
   * past its expiry) while the refresh goes on in the background. Default false (`CDK_APP_SECRETS_SERVE_STALE`).
   */
  readonly serveStale?: boolean;
}

/** Process-wide settings for `configureSecrets`. Each one overrides its environment variable. */
export interface SecretsSettings {
  /** Default cache TTL in seconds (`CDK_APP_SECRETS_MAX_AGE_SECONDS`, default 300). */
  readonly maxAgeSeconds?: number;
  /** Default for serving stale values when a refresh fails or is slow (`CDK_APP_SECRETS_SERVE_STALE`, default false). */
  readonly serveStale?: boolean;
  /** With `serveStale`, how long past its expiry a value may still be served, in seconds (`CDK_APP_SECRETS_MAX_STALE_SECONDS`, default 3600). */
  readonly maxStaleSeconds?: number;
  /** With `serveStale`, how long a read waits for a refresh before taking the stale value, in ms (`CDK_APP_SECRETS_STALE_WAIT_MS`, default 300). */
  readonly staleWaitMs?: number;
  /** Most values kept in the cache; the least recently used go first (`CDK_APP_SECRETS_CACHE_MAX_ENTRIES`, default 1024). */
  readonly cacheMaxEntries?: number;
  /**
   * Deadline in ms for one fetch, covering every attempt, connect, headers and body
   * (`CDK_APP_SECRETS_TIMEOUT_MS`, default 2000). Applies to your own `client` too.
   */
  readonly timeoutMs?: number;
  /** Per-attempt request timeout in ms (`CDK_APP_SECRETS_REQUEST_TIMEOUT_MS`, default 1000). Ignored when `client` is given, or `clientConfig` has a `requestHandler`. */
  readonly requestTimeoutMs?: number;
  /** Connection timeout in ms (`CDK_APP_SECRETS_CONNECT_TIMEOUT_MS`, default 1000). Ignored when `client` is given, or `clientConfig` has a `requestHandler`. */
  readonly connectTimeoutMs?: number;
  /** Extra config for the clients the runtime creates (see `SecretsClientConfig`). Ignored for ids `client` reads. */
  readonly clientConfig?: SecretsClientConfig;
  /**
   * Use this client instead of creating one (e.g. one wrapped for X-Ray) for names and ARNs of its region.
   * ARNs of other regions are read with clients the runtime creates. The runtime never destroys it.
   */
  readonly client?: SecretsClient;
  /**
   * Read through the AWS Parameters and Secrets Lambda Extension (`CDK_APP_SECRETS_USE_EXTENSION`).
   * Default: when the function has it (its `PARAMETERS_SECRETS_EXTENSION_HTTP_PORT` variable or its
   * layer) and neither `client` nor `clientConfig` is given (it reads with the function's own region
   * and credentials). `false` never uses it; `true` uses it even then, or when not detected (port from
   * `PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`, default 2773), though never without `AWS_SESSION_TOKEN`. Reads it cannot serve fall back to the SDK.
   */
  readonly useExtension?: boolean;
}

/** @internal Fully resolved settings. */
export interface ResolvedSettings {
  readonly maxAgeMs: number;
  readonly serveStale: boolean;
  readonly maxStaleMs: number;
  readonly staleWaitMs: number;
  readonly cacheMaxEntries: number;
  readonly timeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly clientConfig: SecretsClientConfig | undefined;
  readonly client: SecretsClient | undefined;
  readonly useExtension: boolean | undefined;
}

/** Environment variable names read by the runtime. */
export const ENV_MAX_AGE_SECONDS = 'CDK_APP_SECRETS_MAX_AGE_SECONDS';
/** See `SecretsSettings.serveStale`. */
export const ENV_SERVE_STALE = 'CDK_APP_SECRETS_SERVE_STALE';
/** See `SecretsSettings.maxStaleSeconds`. */
export const ENV_MAX_STALE_SECONDS = 'CDK_APP_SECRETS_MAX_STALE_SECONDS';
/** See `SecretsSettings.staleWaitMs`. */
export const ENV_STALE_WAIT_MS = 'CDK_APP_SECRETS_STALE_WAIT_MS';
/** See `SecretsSettings.cacheMaxEntries`. */
export const ENV_CACHE_MAX_ENTRIES = 'CDK_APP_SECRETS_CACHE_MAX_ENTRIES';
/** See `SecretsSettings.timeoutMs`. */
export const ENV_TIMEOUT_MS = 'CDK_APP_SECRETS_TIMEOUT_MS';
/** See `SecretsSettings.requestTimeoutMs`. */
export const ENV_REQUEST_TIMEOUT_MS = 'CDK_APP_SECRETS_REQUEST_TIMEOUT_MS';
/** See `SecretsSettings.connectTimeoutMs`. */
export const ENV_CONNECT_TIMEOUT_MS = 'CDK_APP_SECRETS_CONNECT_TIMEOUT_MS';
/** See `SecretsSettings.useExtension`. */
export const ENV_USE_EXTENSION = 'CDK_APP_SECRETS_USE_EXTENSION';

// 2 s leaves a function with Lambda's default 3 s timeout a second to handle the error; a 1 s attempt
// timeout lets a hung first attempt be retried inside that deadline.
const DEFAULTS = {
  maxAgeSeconds: 300,
  maxStaleSeconds: 3600,
  staleWaitMs: 300,
  cacheMaxEntries: 1024,
  timeoutMs: 2000,
  requestTimeoutMs: 1000,
  connectTimeoutMs: 1000,
};

/** Settings whose change needs new clients; the others are read on every call. */
const CLIENT_KEYS: ReadonlyArray<keyof SecretsSettings> = ['requestTimeoutMs', 'connectTimeoutMs', 'clientConfig', 'client'];

let configured: SecretsSettings = {};
/**
 * What `configured` held when it was set, to compare the next settings with: the SDK writes into the
 * config it is given (`$source` into a `credentials` object), so the user's objects change afterwards.
 */
let configuredCopy: SecretsSettings = {};
let resolved: ResolvedSettings | undefined;
/** Bumped whenever a setting the clients are built from changes. */
let clientGeneration = 0;

/**
 * Set process-wide settings. Call it at module scope of the handler, before the first read.
 * Each call merges into the previous settings. Changing `client`, `clientConfig` or a timeout
 * used by the clients makes the next fetch use new clients (reads in flight finish on the old ones);
 * other settings leave the clients alone. Cached values are kept. Equal settings change nothing: a new
 * `clientConfig` object with equal members (plain objects and arrays compared member by member) keeps
 * the clients; a function or class instance is equal only to itself.
 *
 * @throws TypeError when a setting is out of range (as the environment variables are checked).
 */
export function configureSecrets(settings: SecretsSettings): void {
  checkSettings(settings, 'configureSecrets');
  // Handlers often call this on every invocation with a new but equal literal: that changes nothing
  // (no new clients, so no new connection per miss, and no settings read again on the next hit).
  const changed = (Object.keys(settings) as Array<keyof SecretsSettings>).filter((k) => !sameSetting(settings[k], configuredCopy[k], 0));
  if (changed.length === 0) return;
  if (changed.some((k) => CLIENT_KEYS.includes(k))) clientGeneration++;
  configured = { ...configured, ...settings };
  configuredCopy = copyPlain(configured);
  resolved = undefined;
}

/**
 * The same value, or plain objects or arrays (a `clientConfig` literal) with equal members. Anything
 * else (a function, a class instance such as a logger or a request handler) is equal only to itself.
 */
function sameSetting(a: unknown, b: unknown, depth: number): boolean {
  if (a === b) return true;
  if (!isPlain(a) || !isPlain(b) || Array.isArray(a) !== Array.isArray(b) || depth > 8) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => k in b && sameSetting(a[k], b[k], depth + 1));
}

/** A copy of the plain objects and arrays in `value`; other values as they are. */
function copyPlain<T>(value: T, depth = 0): T {
  if (!isPlain(value) || depth > 8) return value;
  const copy: Record<string, unknown> = Array.isArray(value) ? [] as unknown as Record<string, unknown> : {};
  for (const k of Object.keys(value)) copy[k] = copyPlain(value[k], depth + 1);
  return copy as T;
}

function isPlain(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || Array.isArray(value);
}

/** @internal The resolved settings (reads the environment on first use). */
export function currentSettings(): ResolvedSettings {
  return resolved ?? (resolved = resolve());
}

/** @internal Changes whenever the clients must be rebuilt. */
export function currentClientGeneration(): number {
  return clientGeneration;
}

/** @internal Forget configureSecrets(...) and the environment read (tests only). */
export function resetSettings(): void {
  configured = {};
  configuredCopy = {};
  resolved = undefined;
  clientGeneration++;
}

/** @internal Check the per-call options; throws TypeError like the settings. */
export function checkOptions(options: SecretOptions): void {
  if (options.maxAgeSeconds !== undefined) checkNumber('getSecrets option maxAgeSeconds', options.maxAgeSeconds, false);
  // Plain JavaScript callers pass strings from the environment: serveStale: 'false' is truthy.
  if (options.serveStale !== undefined) checkBoolean('getSecrets option serveStale', options.serveStale);
  if (options.forceRefresh !== undefined) checkBoolean('getSecrets option forceRefresh', options.forceRefresh);
  if (options.versionStage !== undefined) checkName('getSecrets option versionStage', options.versionStage);
  if (options.versionId !== undefined) checkName('getSecrets option versionId', options.versionId);
}

function checkBoolean(what: string, value: unknown): void {
  if (typeof value !== 'boolean') throw new TypeError(`${what} must be true or false, got ${typeof value}`);
}

function checkName(what: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${what} must be a non-empty string, got ${value === '' ? 'an empty string' : typeof value}`);
  }
}

/**
 * The longest timer Node can set (2^31 - 1 ms, about 24.8 days): a longer one fires after 1 ms, so a
 * larger millisecond setting would time every read out at once.
 */
const MAX_TIMER_MS = 2_147_483_647;

function checkSettings(s: SecretsSettings, where: string): void {
  const numbers: Array<[keyof SecretsSettings, boolean, number?]> = [
    ['maxAgeSeconds', false], ['maxStaleSeconds', false], ['staleWaitMs', false, MAX_TIMER_MS], ['cacheMaxEntries', true],
    ['timeoutMs', true, MAX_TIMER_MS], ['requestTimeoutMs', true, MAX_TIMER_MS], ['connectTimeoutMs', true, MAX_TIMER_MS],
  ];
  for (const [key, positive, max] of numbers) {
    if (s[key] !== undefined) checkNumber(`${where} setting ${key}`, s[key], positive, max);
  }
  if (s.cacheMaxEntries !== undefined && !Number.isInteger(s.cacheMaxEntries)) {
    throw new TypeError(`${where} setting cacheMaxEntries must be a whole number, got ${s.cacheMaxEntries}`);
  }
  if (s.useExtension !== undefined) checkBoolean(`${where} setting useExtension`, s.useExtension);
  if (s.serveStale !== undefined) checkBoolean(`${where} setting serveStale`, s.serveStale);
  if (s.client !== undefined && typeof (s.client as Partial<SecretsClient>)?.send !== 'function') {
    throw new TypeError(`${where} setting client must be a Secrets Manager client (an object with send(command)), got ${typeof s.client}`);
  }
}

function checkNumber(what: string, value: unknown, positive: boolean, max = Infinity): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value === 0) || value > max) {
    throw new TypeError(`${what} must be a ${positive ? 'positive' : 'non-negative'} finite number${atMost(max)}, got ${String(value)}`);
  }
}

function atMost(max: number): string {
  return max === MAX_TIMER_MS ? ` of at most ${MAX_TIMER_MS} (Node's longest timer, about 24.8 days)` : '';
}

function resolve(): ResolvedSettings {
  const pick = (key: keyof typeof DEFAULTS, env: string, positive: boolean, max?: number): number =>
    (configured[key] as number | undefined) ?? envNumber(env, positive, max) ?? DEFAULTS[key];
  const cacheMaxEntries = pick('cacheMaxEntries', ENV_CACHE_MAX_ENTRIES, true);
  if (!Number.isInteger(cacheMaxEntries)) {
    throw new TypeError(`environment variable ${ENV_CACHE_MAX_ENTRIES} must be a whole number, got "${process.env[ENV_CACHE_MAX_ENTRIES]}"`);
  }
  return {
    maxAgeMs: pick('maxAgeSeconds', ENV_MAX_AGE_SECONDS, false) * 1000,
    serveStale: configured.serveStale ?? envBoolean(ENV_SERVE_STALE) ?? false,
    maxStaleMs: pick('maxStaleSeconds', ENV_MAX_STALE_SECONDS, false) * 1000,
    staleWaitMs: pick('staleWaitMs', ENV_STALE_WAIT_MS, false, MAX_TIMER_MS),
    cacheMaxEntries,
    timeoutMs: pick('timeoutMs', ENV_TIMEOUT_MS, true, MAX_TIMER_MS),
    requestTimeoutMs: pick('requestTimeoutMs', ENV_REQUEST_TIMEOUT_MS, true, MAX_TIMER_MS),
    connectTimeoutMs: pick('connectTimeoutMs', ENV_CONNECT_TIMEOUT_MS, true, MAX_TIMER_MS),
    clientConfig: configured.clientConfig,
    client: configured.client,
    useExtension: configured.useExtension ?? envBoolean(ENV_USE_EXTENSION),
  };
}

function envNumber(key: string, positive: boolean, max = Infinity): number | undefined {
  const raw = process.env[key];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (positive && value === 0) || value > max) {
    throw new TypeError(`environment variable ${key} must be a ${positive ? 'positive' : 'non-negative'} number${atMost(max)}, got "${raw}"`);
  }
  return value;
}

function envBoolean(key: string): boolean | undefined {
  const raw = process.env[key]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new TypeError(`environment variable ${key} must be true or false, got "${raw}"`);
}
