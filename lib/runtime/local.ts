/*
 * Local mode: outside Lambda (local runs, users' unit tests) values come from a JSON file and/or
 * environment overrides instead of Secrets Manager. It is opted into explicitly by setting
 * CDK_APP_SECRETS_LOCAL_FILE or any CDK_APP_SECRETS_LOCAL_VALUE_<NAME> variable, and it refuses to
 * run inside Lambda. A secret it does not know is an error, never a silent AWS call.
 */
import { secretEnvKey, SECRET_ENV_KEY_SUFFIX } from '../env-contract';
import { SecretError, SecretLocalModeError } from './errors';
import { nodeBuiltin } from './load';

/** Path of a JSON file mapping secret name -> string value (objects are stored as their JSON text). */
export const ENV_LOCAL_FILE = 'CDK_APP_SECRETS_LOCAL_FILE';
/**
 * Prefix of per-secret overrides: `CDK_APP_SECRETS_LOCAL_VALUE_<NAME>` where `<NAME>` is derived from
 * the secret name as the `*_SECRET_NAME` key is, without that suffix (`stripe-api-key` and
 * `stripeApiKey` -> `STRIPE_API_KEY`). Overrides win over the file; an empty one counts as unset.
 */
export const ENV_LOCAL_VALUE_PREFIX = 'CDK_APP_SECRETS_LOCAL_VALUE_';

interface LocalState {
  /** What switched local mode on, for messages; undefined when local mode is off. */
  readonly reason: string | undefined;
  /** Set when running in Lambda. */
  readonly lambdaFunction: string | undefined;
}

let state: LocalState | undefined;
/** A file value: its text, or the JSON kind of a value local mode refuses (null, number, boolean, array). */
type FileValue = string | { readonly refused: string };

let fileValues: Map<string, FileValue> | undefined;

/** @internal Whether local mode is on (reads the environment once). */
export function localModeEnabled(): boolean {
  return localState().reason !== undefined;
}

/** @internal Whether local mode is on and allowed (not inside Lambda). */
export function localModeUsable(): boolean {
  const s = localState();
  return s.reason !== undefined && s.lambdaFunction === undefined;
}

/** @internal The override key for a secret name. */
export function localValueKey(secretName: string): string {
  return ENV_LOCAL_VALUE_PREFIX + secretEnvKey(secretName).slice(0, -SECRET_ENV_KEY_SUFFIX.length);
}

/** @internal Look up one secret in local mode: a string value, or an error. */
export function readLocal(secretId: string): string | SecretError {
  const s = localState();
  if (s.lambdaFunction !== undefined) {
    return new SecretLocalModeError(secretId, 'LocalModeInLambda',
      `local mode is configured (${s.reason}) but this is Lambda function ${s.lambdaFunction}; refusing to serve local values for secret ${secretId}. ` +
      `Remove ${ENV_LOCAL_FILE} and ${ENV_LOCAL_VALUE_PREFIX}* from the function's environment.`);
  }
  const override = process.env[localValueKey(secretId)];
  if (override !== undefined && override !== '') return override;
  const file = process.env[ENV_LOCAL_FILE];
  if (file !== undefined && file !== '') {
    const values = loadFile(secretId, file);
    if (values instanceof SecretError) return values;
    const value = values.get(secretId);
    if (typeof value === 'string') return value;
    if (value !== undefined) {
      return new SecretLocalModeError(secretId, 'LocalValueInvalid',
        `local value of secret ${secretId} in ${file} is ${value.refused}; a local value must be a string, or an object (read as its JSON text). ` +
        'Put the value in quotes, or wrap it in an object, as Secrets Manager stores strings only.');
    }
  }
  return new SecretLocalModeError(secretId, 'LocalSecretMissing',
    `secret ${secretId} has no local value (local mode: ${s.reason}). ` +
    `Add "${secretId}" to ${file ? `the file ${file}` : `a JSON file named by ${ENV_LOCAL_FILE}`} or set ${localValueKey(secretId)}.`);
}

/** @internal Forget what was read from the environment and the file (tests only). */
export function resetLocal(): void {
  state = undefined;
  fileValues = undefined;
}

function localState(): LocalState {
  if (state !== undefined) return state;
  let reason: string | undefined;
  if (process.env[ENV_LOCAL_FILE]) {
    reason = `${ENV_LOCAL_FILE} is set`;
  } else {
    const key = Object.keys(process.env).find((k) => k.startsWith(ENV_LOCAL_VALUE_PREFIX) && process.env[k] !== '');
    if (key !== undefined) reason = `${key} is set`;
  }
  const lambda = process.env.AWS_LAMBDA_FUNCTION_NAME;
  state = { reason, lambdaFunction: lambda ? lambda : undefined };
  return state;
}

function loadFile(secretId: string, file: string): Map<string, FileValue> | SecretError {
  if (fileValues !== undefined) return fileValues;
  let text: string;
  try {
    // Loaded at run time (not a top-level import) so an ESM bundle of the handler can load it: see load.ts.
    text = nodeBuiltin<typeof import('node:fs')>('node:fs').readFileSync(file, 'utf8');
  } catch (e) {
    return new SecretLocalModeError(secretId, 'LocalFileUnreadable',
      `local mode could not read ${ENV_LOCAL_FILE}=${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}) while reading secret ${secretId}. ` +
      'Point it at an existing JSON file mapping secret names to values.');
  }
  let parsed: unknown;
  try {
    // Without the byte order mark some Windows editors and PowerShell write before the JSON.
    parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    // V8's message quotes the text, which holds values: only the kind of problem is told.
    return new SecretLocalModeError(secretId, 'LocalFileInvalid',
      `local mode file ${file} is not valid JSON (while reading secret ${secretId}). ` +
      'Check its syntax (quotes, commas, braces); it must map secret names to string values or objects, e.g. {"my-secret": "value"}.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return new SecretLocalModeError(secretId, 'LocalFileInvalid',
      `local mode file ${file} is not a JSON object (while reading secret ${secretId}). ` +
      'It must map secret names to string values or objects, e.g. {"my-secret": "value", "db": {"password": "..."}}.');
  }
  const values = new Map<string, FileValue>();
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value === 'string') values.set(name, value);
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) values.set(name, JSON.stringify(value));
    else values.set(name, { refused: value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}` });
  }
  fileValues = values;
  return values;
}
