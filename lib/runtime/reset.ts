import { clearSecretCache } from './cache';
import { resetEnv } from './env';
import { resetFetch } from './fetch';
import { resetLocal } from './local';
import { resetSettings } from './options';
import { resetForced } from './refresh';

/**
 * @internal Return the runtime to its state right after import: empty cache, no client (idle clients
 * the runtime created are destroyed), settings, local mode and getEnv's variables re-read from the
 * environment on next use, batch-denied flag and forced reads cleared. For this package's tests; not
 * exported from `cdk-app-secrets/runtime`.
 */
export function resetSecretsRuntime(): void {
  clearSecretCache();
  resetFetch();
  resetLocal();
  resetSettings();
  resetEnv();
  resetForced();
}
