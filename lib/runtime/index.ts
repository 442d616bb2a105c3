// Node-only runtime for Lambda handlers, published as `cdk-app-secrets/runtime`.
// Public exports only; importing this module does no I/O and loads no AWS SDK code.
export { secretEnvKey } from '../env-contract';
export { clearSecretCache } from './cache';
export { getEnv } from './env';
export {
  SecretAccessDeniedError,
  SecretBinaryError,
  SecretConfigError,
  SecretDecryptionError,
  SecretEnvMissingError,
  SecretError,
  SecretFetchError,
  SecretJsonError,
  SecretLocalModeError,
  SecretNotFoundError,
  SecretPlaceholderError,
  SecretTimeoutError,
} from './errors';
export { getSecretJson, getSecrets } from './get-secrets';
export type { SecretPromises } from './get-secrets';
export { ENV_LOCAL_FILE, ENV_LOCAL_VALUE_PREFIX } from './local';
export {
  configureSecrets,
  ENV_CACHE_MAX_ENTRIES,
  ENV_CONNECT_TIMEOUT_MS,
  ENV_MAX_AGE_SECONDS,
  ENV_MAX_STALE_SECONDS,
  ENV_REQUEST_TIMEOUT_MS,
  ENV_SERVE_STALE,
  ENV_STALE_WAIT_MS,
  ENV_TIMEOUT_MS,
  ENV_USE_EXTENSION,
} from './options';
export type { SecretOptions, SecretsClient, SecretsClientConfig, SecretsSettings } from './options';
export { withSecrets } from './rotation';
export type { WithSecretsOptions } from './rotation';
