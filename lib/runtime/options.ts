/*
 * Process-wide settings. Resolved lazily on first use, in this order (first wins):
 * configureSecrets(...) > CDK_APP_SECRETS_* environment variables > defaults.
 */
import type { SecretsManagerClient, SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';

/** Options for one `getSecrets` / `getSecretJson` call. Unset fields fall back to the process-wide settings. */
export interface SecretOptions {
  /** Serve a cached value younger than this many seconds; older values are fetched again. Default 300 (`CDK_APP_SECRETS_MAX_AGE_SECONDS`). */
  readonly maxAgeSeconds?: number;
  /** Fetch again even when a fresh value is cached (a request already in flight is shared). The new value replaces the cached one. */
  readonly forceRefresh?: boolean;
  /** Read this version stage, e.g. `AWSPENDING` in rotation code. Cached separately. Uses GetSecretValue (never batched). */
  readonly versionStage?: string;
  /** Read this version id. Cached separately. Uses GetSecretValue (never batched). */
  readonly versionId?: string;
  /** When refreshing an expired value fails, serve the expired value instead of failing. Default false (`CDK_APP_SECRETS_SERVE_STALE`). */
  readonly serveStale?: boolean;
}

/** Process-wide settings for `configureSecrets`. Each one overrides its environment variable. */
export interface SecretsSettings {
  /** Default cache TTL in seconds (`CDK_APP_SECRETS_MAX_AGE_SECONDS`, default 300). */
  readonly maxAgeSeconds?: number;
  /** Default for serving stale values when a refresh fails (`CDK_APP_SECRETS_SERVE_STALE`, default false). */
  readonly serveStale?: boolean;
  /** Per-attempt request timeout in ms (`CDK_APP_SECRETS_REQUEST_TIMEOUT_MS`, default 3000). Ignored when `client` is given. */
  readonly requestTimeoutMs?: number;
  /** Connection timeout in ms (`CDK_APP_SECRETS_CONNECT_TIMEOUT_MS`, default 1000). Ignored when `client` is given. */
  readonly connectTimeoutMs?: number;
  /** Extra config for the client the runtime creates (e.g. `maxAttempts`, `region`, `endpoint`). Ignored when `client` is given. */
  readonly clientConfig?: SecretsManagerClientConfig;
  /** Use this client instead of creating one (e.g. one wrapped for X-Ray). The runtime never destroys it. */
  readonly client?: SecretsManagerClient;
}

/** @internal Fully resolved settings. */
export interface ResolvedSettings {
  readonly maxAgeMs: number;
  readonly serveStale: boolean;
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly clientConfig: SecretsManagerClientConfig | undefined;
  readonly client: SecretsManagerClient | undefined;
}

/** Environment variable names read by the runtime. */
export const ENV_MAX_AGE_SECONDS = 'CDK_APP_SECRETS_MAX_AGE_SECONDS';
/** See `SecretsSettings.serveStale`. */
export const ENV_SERVE_STALE = 'CDK_APP_SECRETS_SERVE_STALE';
/** See `SecretsSettings.requestTimeoutMs`. */
export const ENV_REQUEST_TIMEOUT_MS = 'CDK_APP_SECRETS_REQUEST_TIMEOUT_MS';
/** See `SecretsSettings.connectTimeoutMs`. */
export const ENV_CONNECT_TIMEOUT_MS = 'CDK_APP_SECRETS_CONNECT_TIMEOUT_MS';

const DEFAULT_MAX_AGE_SECONDS = 300;
const DEFAULT_REQUEST_TIMEOUT_MS = 3000;
const DEFAULT_CONNECT_TIMEOUT_MS = 1000;

let configured: SecretsSettings = {};
let resolved: ResolvedSettings | undefined;

/**
 * Set process-wide settings. Call it at module scope of the handler, before the first read.
 * Each call merges into the previous settings and drops the current client (the next fetch
 * creates one from the new settings, or uses the given `client`). Cached values are kept.
 */
export function configureSecrets(settings: SecretsSettings): void {
  configured = { ...configured, ...settings };
  resolved = undefined;
}

/** @internal The resolved settings (reads the environment on first use). */
export function currentSettings(): ResolvedSettings {
  return resolved ?? (resolved = resolve());
}

/** @internal Forget configureSecrets(...) and the environment read (tests only). */
export function resetSettings(): void {
  configured = {};
  resolved = undefined;
}

function resolve(): ResolvedSettings {
  const maxAgeSeconds = configured.maxAgeSeconds ?? envNumber(ENV_MAX_AGE_SECONDS) ?? DEFAULT_MAX_AGE_SECONDS;
  return {
    maxAgeMs: maxAgeSeconds * 1000,
    serveStale: configured.serveStale ?? envBoolean(ENV_SERVE_STALE) ?? false,
    requestTimeoutMs: configured.requestTimeoutMs ?? envNumber(ENV_REQUEST_TIMEOUT_MS) ?? DEFAULT_REQUEST_TIMEOUT_MS,
    connectTimeoutMs: configured.connectTimeoutMs ?? envNumber(ENV_CONNECT_TIMEOUT_MS) ?? DEFAULT_CONNECT_TIMEOUT_MS,
    clientConfig: configured.clientConfig,
    client: configured.client,
  };
}

function envNumber(key: string): number | undefined {
  const raw = process.env[key];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new TypeError(`environment variable ${key} must be a non-negative number, got "${raw}"`);
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
