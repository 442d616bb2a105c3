import { isValidEnvKey, SECRET_ENV_KEY_SUFFIX, secretEnvKey } from '../env-contract';
import { SecretEnvMissingError } from './errors';
import { localModeUsable } from './local';

/**
 * The physical secret name AppSecret put into the function's environment.
 *
 * Pass the logical name the stack used (`getEnv('stripe-api-key')` reads
 * `STRIPE_API_KEY_SECRET_NAME`) or the environment variable key itself
 * (`getEnv('STRIPE_API_KEY_SECRET_NAME')`, or a custom `envKey` such as `getEnv('STRIPE')`).
 *
 * In local mode (outside Lambda, see `CDK_APP_SECRETS_LOCAL_FILE`) a missing variable is not an
 * error: the argument itself is returned, so local values can be keyed by logical name.
 *
 * @throws SecretEnvMissingError when the variable is not set, listing the `*_SECRET_NAME` keys that are.
 */
export function getEnv(nameOrKey: string): string {
  const derived = process.env[secretEnvKey(nameOrKey)];
  if (derived !== undefined && derived !== '') return derived;
  // The key itself: `STRIPE_API_KEY_SECRET_NAME`, or a custom `envKey` such as `STRIPE`.
  const direct = isValidEnvKey(nameOrKey) ? process.env[nameOrKey] : undefined;
  if (direct !== undefined && direct !== '') return direct;
  const key = nameOrKey.endsWith(SECRET_ENV_KEY_SUFFIX) && isValidEnvKey(nameOrKey) ? nameOrKey : secretEnvKey(nameOrKey);
  if (localModeUsable()) return nameOrKey;
  const existing = Object.keys(process.env).filter((k) => k.endsWith(SECRET_ENV_KEY_SUFFIX)).sort();
  throw new SecretEnvMissingError(nameOrKey, key, existing);
}
