/*
 * getEnv and local mode. No endpoint: local mode never calls AWS, and a configuration that would
 * call AWS points at a closed port so an accidental call fails loudly.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PLACEHOLDER_MARKER_KEY } from '../../lib/env-contract';
import {
  clearSecretCache,
  getEnv,
  getSecretJson,
  getSecrets,
  SecretEnvMissingError,
  SecretError,
  SecretLocalModeError,
  SecretPlaceholderError,
} from '../../lib/runtime';
import { resetSecretsRuntime } from '../../lib/runtime/reset';

const originalEnv = process.env;
const dir = mkdtempSync(path.join(tmpdir(), 'cdk-app-secrets-local-'));

function localFile(content: unknown): string {
  const file = path.join(dir, `values-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

beforeEach(() => {
  process.env = {
    PATH: originalEnv.PATH,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:9',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };
  resetSecretsRuntime();
});

afterAll(() => {
  process.env = originalEnv;
  resetSecretsRuntime();
});

describe('getEnv', () => {
  test('reads the variable for a logical name', () => {
    process.env.STRIPE_API_KEY_SECRET_NAME = 'MyStack-stripe-api-key-Ab12';
    expect(getEnv('stripe-api-key')).toBe('MyStack-stripe-api-key-Ab12');
  });

  test('reads the variable for the env var key itself', () => {
    process.env.STRIPE_API_KEY_SECRET_NAME = 'MyStack-stripe-api-key-Ab12';
    expect(getEnv('STRIPE_API_KEY_SECRET_NAME')).toBe('MyStack-stripe-api-key-Ab12');
  });

  test('reads a custom envKey given to AppSecret', () => {
    process.env.STRIPE = 'Shop/prod/stripe-api-key';
    expect(getEnv('STRIPE')).toBe('Shop/prod/stripe-api-key');
  });

  test('a missing variable names the key looked for, the keys that exist and the grant', () => {
    process.env.DB_PASSWORD_SECRET_NAME = 'db';
    process.env.API_TOKEN_SECRET_NAME = 'api';
    let error: unknown;
    try {
      getEnv('stripe-api-key');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SecretEnvMissingError);
    expect(error).toMatchObject({ secretId: 'stripe-api-key', envKey: 'STRIPE_API_KEY_SECRET_NAME', code: 'EnvVarMissing' });
    const message = (error as Error).message;
    expect(message).toContain('environment variable STRIPE_API_KEY_SECRET_NAME (secret "stripe-api-key") is not set');
    expect(message).toContain('API_TOKEN_SECRET_NAME, DB_PASSWORD_SECRET_NAME');
    expect(message).toContain('secret.grantRead(fn)');
  });

  test('an empty variable counts as missing', () => {
    process.env.STRIPE_API_KEY_SECRET_NAME = '';
    expect(() => getEnv('stripe-api-key')).toThrow(SecretEnvMissingError);
  });

  test('in local mode a missing variable gives back the name itself', () => {
    process.env.CDK_APP_SECRETS_LOCAL_VALUE_STRIPE_API_KEY = 'sk_test';
    expect(getEnv('stripe-api-key')).toBe('stripe-api-key');
  });

  // A handler calls getEnv on every request; in Lambda the environment is fixed, so reading it again
  // (deriving the key and a call into Node) would cost several times the cached read it feeds.
  test('inside Lambda each variable is read once: later changes to process.env do not apply', () => {
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'my-fn';
    process.env.STRIPE_API_KEY_SECRET_NAME = 'MyStack-stripe-api-key-Ab12';
    expect(getEnv('stripe-api-key')).toBe('MyStack-stripe-api-key-Ab12');
    process.env.STRIPE_API_KEY_SECRET_NAME = 'changed';
    expect(getEnv('stripe-api-key')).toBe('MyStack-stripe-api-key-Ab12');
    expect(getEnv('STRIPE_API_KEY_SECRET_NAME')).toBe('changed'); // another argument is read on its own
  });

  test('inside Lambda a missing variable is not remembered: once set, it is found', () => {
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'my-fn';
    expect(() => getEnv('stripe-api-key')).toThrow(SecretEnvMissingError);
    process.env.STRIPE_API_KEY_SECRET_NAME = 'MyStack-stripe-api-key-Ab12';
    expect(getEnv('stripe-api-key')).toBe('MyStack-stripe-api-key-Ab12');
  });

  test('outside Lambda every call reads process.env, so tests can change a variable between calls', () => {
    process.env.STRIPE_API_KEY_SECRET_NAME = 'first';
    expect(getEnv('stripe-api-key')).toBe('first');
    process.env.STRIPE_API_KEY_SECRET_NAME = 'second';
    expect(getEnv('stripe-api-key')).toBe('second');
  });
});

describe('local mode', () => {
  test('values come from CDK_APP_SECRETS_LOCAL_FILE; objects are given as JSON text', async () => {
    process.env.CDK_APP_SECRETS_LOCAL_FILE = localFile({ 'stripe-api-key': 'sk_test_1', 'db': { user: 'app', password: 'pw' } });
    expect(await getSecrets('stripe-api-key', 'db')).toEqual(['sk_test_1', '{"user":"app","password":"pw"}']);
    expect(await getSecretJson('db')).toEqual({ user: 'app', password: 'pw' });
  });

  test('CDK_APP_SECRETS_LOCAL_VALUE_<NAME> overrides the file', async () => {
    process.env.CDK_APP_SECRETS_LOCAL_FILE = localFile({ 'stripe-api-key': 'from-file', 'other': 'o' });
    process.env.CDK_APP_SECRETS_LOCAL_VALUE_STRIPE_API_KEY = 'from-env';
    expect(await getSecrets('stripe-api-key', 'other')).toEqual(['from-env', 'o']);
  });

  test('a handler written with getEnv works locally with values keyed by logical name', async () => {
    process.env.CDK_APP_SECRETS_LOCAL_FILE = localFile({ 'stripe-api-key': 'sk_local' });
    expect(await getSecrets(getEnv('stripe-api-key'))).toEqual(['sk_local']);
  });

  test('getEnv called with the variable key gives back that key, and the local value keyed by it is read', async () => {
    process.env.CDK_APP_SECRETS_LOCAL_FILE = localFile({ STRIPE_API_KEY_SECRET_NAME: 'sk_by_key' });
    expect(getEnv('STRIPE_API_KEY_SECRET_NAME')).toBe('STRIPE_API_KEY_SECRET_NAME');
    expect(await getSecrets(getEnv('STRIPE_API_KEY_SECRET_NAME'))).toEqual(['sk_by_key']);
  });

  test('version options are ignored: a version stage or id reads the local value', async () => {
    process.env.CDK_APP_SECRETS_LOCAL_VALUE_DB = 'local-db';
    expect(await getSecrets('db', { versionStage: 'AWSPENDING' })).toEqual(['local-db']);
    expect(await getSecrets('db', { versionId: 'a'.repeat(32) })).toEqual(['local-db']);
  });

  test('the file is read at the first read: a change to it is not seen, even after clearSecretCache()', async () => {
    const file = localFile({ 'stripe-api-key': 'before' });
    process.env.CDK_APP_SECRETS_LOCAL_FILE = file;
    expect(await getSecrets('stripe-api-key')).toEqual(['before']);
    writeFileSync(file, JSON.stringify({ 'stripe-api-key': 'after' }));
    clearSecretCache();
    expect(await getSecrets('stripe-api-key')).toEqual(['before']);
    resetSecretsRuntime(); // what a new process (or a fresh Jest module registry) starts with
    expect(await getSecrets('stripe-api-key')).toEqual(['after']);
  });

  test('a secret missing from the local values is an error naming the file and the override key', async () => {
    const file = localFile({ known: 'k' });
    process.env.CDK_APP_SECRETS_LOCAL_FILE = file;
    const error = await getSecrets('db-password')[0].catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretLocalModeError);
    expect((error as SecretError).code).toBe('LocalSecretMissing');
    expect((error as Error).message).toContain(`Add "db-password" to the file ${file} or set CDK_APP_SECRETS_LOCAL_VALUE_DB_PASSWORD`);
  });

  test('inside Lambda local mode refuses instead of serving local values', async () => {
    process.env.CDK_APP_SECRETS_LOCAL_FILE = localFile({ db: 'local' });
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'my-fn';
    const error = await getSecrets('db')[0].catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretLocalModeError);
    expect((error as SecretError).code).toBe('LocalModeInLambda');
    expect((error as Error).message).toContain('this is Lambda function my-fn; refusing to serve local values for secret db');
  });

  test('inside Lambda getEnv does not fall back to the name', () => {
    process.env.CDK_APP_SECRETS_LOCAL_FILE = localFile({ db: 'local' });
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'my-fn';
    expect(() => getEnv('db')).toThrow(SecretEnvMissingError);
  });

  test('an unreadable file is a LocalFileUnreadable error', async () => {
    process.env.CDK_APP_SECRETS_LOCAL_FILE = path.join(dir, 'does-not-exist.json');
    await expect(getSecrets('db')[0]).rejects.toMatchObject({ code: 'LocalFileUnreadable' });
  });

  test('a file that is not valid JSON is a LocalFileInvalid error that says so and does not echo its content', async () => {
    process.env.CDK_APP_SECRETS_LOCAL_FILE = localFile('{"db": "hunter2-zz",');
    const error = await getSecrets('db')[0].catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'LocalFileInvalid' });
    expect(String(error)).toContain('is not valid JSON');
    expect(String(error)).not.toContain('hunter2-zz');
  });

  test('a file that is JSON but not an object is a LocalFileInvalid error that says what it must be', async () => {
    process.env.CDK_APP_SECRETS_LOCAL_FILE = localFile('["hunter2-zz"]');
    const error = await getSecrets('db')[0].catch((e: unknown) => e);
    expect(String(error)).toContain('is not a JSON object');
    expect(String(error)).not.toContain('hunter2-zz');
  });

  test('a file starting with a byte order mark (as Windows editors write it) is read', async () => {
    process.env.CDK_APP_SECRETS_LOCAL_FILE = localFile('\uFEFF{"stripe-api-key": "sk_test_1"}');
    expect(await getSecrets('stripe-api-key')).toEqual(['sk_test_1']);
  });

  test('an empty override neither serves an empty value nor turns local mode on', async () => {
    process.env.CDK_APP_SECRETS_LOCAL_FILE = localFile({ 'stripe-api-key': 'from-file' });
    process.env.CDK_APP_SECRETS_LOCAL_VALUE_STRIPE_API_KEY = '';
    expect(await getSecrets('stripe-api-key')).toEqual(['from-file']);
    delete process.env.CDK_APP_SECRETS_LOCAL_FILE;
    resetSecretsRuntime();
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'my-fn'; // inside Lambda an empty override must not refuse every read
    const error = await getSecrets('stripe-api-key')[0].catch((e: unknown) => e);
    expect(error).not.toMatchObject({ code: 'LocalModeInLambda' });
  });

  test('a changed CDK_APP_SECRETS_LOCAL_VALUE_<NAME> is read after clearSecretCache(), as between a handler\'s unit tests', async () => {
    process.env.CDK_APP_SECRETS_LOCAL_VALUE_STRIPE_API_KEY = 'first-test';
    expect(await getSecrets('stripe-api-key')).toEqual(['first-test']);
    process.env.CDK_APP_SECRETS_LOCAL_VALUE_STRIPE_API_KEY = 'second-test';
    expect(await getSecrets('stripe-api-key')).toEqual(['first-test']); // cached, as in a warm function
    clearSecretCache();
    expect(await getSecrets('stripe-api-key')).toEqual(['second-test']);
  });

  test('local values get the placeholder check too', async () => {
    process.env.CDK_APP_SECRETS_LOCAL_FILE = localFile({ db: { [PLACEHOLDER_MARKER_KEY]: 'x', value: 'y' } });
    await expect(getSecrets('db')[0]).rejects.toBeInstanceOf(SecretPlaceholderError);
  });

  test.each([
    ['null', null, 'null'],
    ['a number', 5432, 'a number'],
    ['a boolean', true, 'a boolean'],
    ['an array', ['zz-item-1', 'zz-item-2'], 'an array'],
  ])('a file value that is %s is refused with LocalValueInvalid, not served as text', async (_, value, kind) => {
    const file = localFile({ db: value, ok: 'fine' });
    process.env.CDK_APP_SECRETS_LOCAL_FILE = file;
    const [db, ok] = getSecrets('db', 'ok');
    const error = await db.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretLocalModeError);
    expect(error).toMatchObject({ code: 'LocalValueInvalid', secretId: 'db' });
    expect((error as Error).message).toContain(`local value of secret db in ${file} is ${kind}; a local value must be a string, or an object`);
    expect(String(error)).not.toContain('zz-item');
    expect(String(error)).not.toContain('5432');
    expect(await ok).toBe('fine');
  });
});
