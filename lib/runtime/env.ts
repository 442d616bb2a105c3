import { isValidEnvKey, SECRET_ENV_KEY_SUFFIX, secretEnvKey } from '../env-contract';
import { SecretEnvMissingError } from './errors';
import { localModeUsable } from './local';

/**
 * What getEnv found, by argument, kept inside Lambda only: a function's environment is fixed for the
 * life of its execution environment, and handlers call getEnv on every request, where deriving the key
 * (~1 µs) and reading process.env (a call into Node, ~0.4 µs) cost several times the cached read it
 * feeds. Outside Lambda (tests, local runs) every call reads process.env, so changes to it apply.
 */
const found = new Map<string, string>();
/** Bounds `found` for handlers that build names at run time. */
const MAX_FOUND = 1000;
/** Whether this process is a Lambda function (AWS_LAMBDA_FUNCTION_NAME); read on first use. */
let inLambda: boolean | undefined;

/**
 * The physical secret name AppSecret put into the function's environment.
 *
 * Pass the logical name the stack used (`getEnv('stripe-api-key')` reads
 * `STRIPE_API_KEY_SECRET_NAME`) or the environment variable key itself
 * (`getEnv('STRIPE_API_KEY_SECRET_NAME')`, or a custom `envKey` such as `getEnv('STRIPE')`).
 *
 * Inside Lambda each variable is read once and remembered (the function's environment does not change);
 * elsewhere every call reads `process.env`.
 *
 * In local mode (outside Lambda, see `CDK_APP_SECRETS_LOCAL_FILE`) a missing variable is not an
 * error: the argument itself is returned, so local values can be keyed by logical name.
 *
 * @throws SecretEnvMissingError when the variable is not set, listing the `*_SECRET_NAME` keys that are.
 */
export function getEnv(nameOrKey: string): string {
  const known = found.get(nameOrKey);
  if (known !== undefined) return known;
  const value = readEnv(nameOrKey);
  if (inLambda ??= Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME)) {
    if (found.size >= MAX_FOUND) found.clear();
    found.set(nameOrKey, value);
  }
  return value;
}

/** @internal Forget what getEnv remembered and whether this is Lambda (tests only). */
export function resetEnv(): void {
  found.clear();
  inLambda = undefined;
}

function readEnv(nameOrKey: string): string {
  const derived = process.env[secretEnvKey(nameOrKey)];
  if (derived !== undefined && derived !== '') return derived;
  // The key itself: `STRIPE_API_KEY_SECRET_NAME`, or a custom `envKey` such as `STRIPE`.
  const direct = isValidEnvKey(nameOrKey) ? process.env[nameOrKey] : undefined;
  if (direct !== undefined && direct !== '') return direct;
  const key = nameOrKey.endsWith(SECRET_ENV_KEY_SUFFIX) && isValidEnvKey(nameOrKey) ? nameOrKey : secretEnvKey(nameOrKey);
  // Not remembered: local mode is refused inside Lambda, and a missing variable throws.
  if (localModeUsable()) return nameOrKey;
  const existing = Object.keys(process.env).filter((k) => k.endsWith(SECRET_ENV_KEY_SUFFIX)).sort();
  throw new SecretEnvMissingError(nameOrKey, key, existing);
}
