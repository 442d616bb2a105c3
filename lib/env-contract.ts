/*
 * The contract between AppSecret (synth time) and the runtime (in the handler). Both sides import
 * this file and nothing else decides these names, so they cannot drift apart.
 *
 * It must stay free of Node and CDK imports: the jsii construct and the Node-only runtime share it.
 */

/** Every environment variable AppSecret writes ends with this suffix. */
export const SECRET_ENV_KEY_SUFFIX = '_SECRET_NAME';

/**
 * Key of the marker that AppSecret puts into the generated placeholder value. A secret whose JSON
 * value has this key has not been given a real value yet.
 */
export const PLACEHOLDER_MARKER_KEY = 'cdkAppSecretsPlaceholder';

/** The text stored under PLACEHOLDER_MARKER_KEY, for a person who opens the secret in the console. */
export const PLACEHOLDER_MARKER_TEXT = 'not set yet: aws secretsmanager put-secret-value --secret-id <this secret> --secret-string <value>';

/**
 * The environment variable key that carries the physical name of the secret with this logical name.
 *
 * Words are split on every character outside `A-Za-z0-9` and on lower-to-upper case changes, then
 * upper-cased and joined with `_`, and `_SECRET_NAME` is appended:
 * `stripe-api-key`, `stripeApiKey` and `stripe/api.key` all give `STRIPE_API_KEY_SECRET_NAME`.
 *
 * The result may still be illegal for Lambda (for example when the name starts with a digit);
 * `isValidEnvKey` says so, and AppSecret refuses such a key at synth time.
 */
export function secretEnvKey(logicalName: string): string {
  const words = logicalName
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 0);
  return words.join('_').toUpperCase() + SECRET_ENV_KEY_SUFFIX;
}

/** Lambda accepts environment variable keys of this form only. */
export const ENV_KEY_PATTERN = /^[a-zA-Z][a-zA-Z0-9_]+$/;

/** Whether Lambda would accept `key` as an environment variable key. */
export function isValidEnvKey(key: string): boolean {
  return ENV_KEY_PATTERN.test(key);
}

/**
 * What a `*_SECRET_NAME` variable holds, and how a reader finds the secret from it.
 *
 * - A secret name (`Shop/prod/stripe-api-key`) when the function reads the secret in its own
 *   account and region. Secret names cannot contain `:`.
 * - A partial ARN, `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>` (no random
 *   suffix), when the function runs in another region or account than the copy it reads: the
 *   secret's own ARN, or for a replica in the function's region the ARN in that region.
 *   `GetSecretValue` takes it as `SecretId`; the client must be for `<region>`.
 */
export const SECRET_ARN_PREFIX = 'arn:';

/** The region to read a secret id from: the ARN's region, or undefined for a plain name (own region). */
export function secretIdRegion(secretId: string): string | undefined {
  if (!secretId.startsWith(SECRET_ARN_PREFIX)) return undefined;
  const region = secretId.split(':')[3];
  return region ? region : undefined;
}

/** The partial ARN that AppSecret writes for a reader in another region or account. */
export function partialSecretArn(partition: string, region: string, account: string, secretName: string): string {
  return `${SECRET_ARN_PREFIX}${partition}:secretsmanager:${region}:${account}:secret:${secretName}`;
}

/** The context key AppSecret reads its deployment environment from when the prop is not set. */
export const ENVIRONMENT_CONTEXT_KEY = 'cdk-app-secrets:environment';

/**
 * Type of the construct metadata entry every AppSecret adds. CDK writes it into the cloud
 * assembly's manifest (not the template), where the CLI (`npx cdk-app-secrets`) finds each secret.
 */
export const APP_SECRET_METADATA_TYPE = 'cdk-app-secrets:secret';

/** The data of an APP_SECRET_METADATA_TYPE entry. */
export interface AppSecretMetadata {
  /** Logical name, e.g. `stripe-api-key`. */
  readonly name: string;
  /** Physical name of the secret. */
  readonly secretName: string;
  /** Environment variable key that carries `secretName` into granted functions. */
  readonly envKey: string;
  /** Keys the value must have as a JSON object; absent for a plain string secret. */
  readonly jsonKeys?: string[];
}

/** What decides a secret's JSON shape: a generateSecretString template, or secretObjectValue keys. */
export interface JsonShapeSource {
  readonly secretStringTemplate?: string;
  readonly generateStringKey?: string;
  readonly secretObjectKeys?: string[];
}

/**
 * The metadata an AppSecret records. `jsonKeys` lists the keys of `secretObjectValue`, or those of
 * a `generateSecretString` JSON template plus its generated key; a template that is not a JSON
 * object (or not known at synth time) declares no shape.
 */
export function appSecretMetadata(name: string, secretName: string, envKey: string, shape: JsonShapeSource): AppSecretMetadata {
  let jsonKeys: string[] | undefined = shape.secretObjectKeys;
  if (!jsonKeys && shape.secretStringTemplate !== undefined && shape.generateStringKey !== undefined) {
    try {
      const template: unknown = JSON.parse(shape.secretStringTemplate);
      if (typeof template === 'object' && template !== null && !Array.isArray(template)) {
        jsonKeys = [...new Set([...Object.keys(template), shape.generateStringKey])];
      }
    } catch {
      // A token or non-JSON template: the shape is unknown at synth time, so nothing is declared.
    }
  }
  return { name, secretName, envKey, ...(jsonKeys ? { jsonKeys } : {}) };
}
