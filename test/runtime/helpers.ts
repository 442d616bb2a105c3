/*
 * Shared setup for the runtime tests: a clean environment pointing the real SDK at a local endpoint,
 * a fresh runtime per test, and a child-process runner for what only a fresh process shows.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { resetSecretsRuntime } from '../../lib/runtime/reset';
import { FakeSecretsManager, startFakeSecretsManager } from '../support/fake-secrets-manager';

export const root = path.resolve(__dirname, '..', '..');

const originalEnv = process.env;

/** The environment a Lambda function would have, with the SDK pointed at `endpoint`. */
export function lambdaLikeEnv(endpoint: string, region = 'us-east-1'): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...originalEnv,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  };
  for (const key of Object.keys(env)) {
    if (key.startsWith('CDK_APP_SECRETS_') || key === 'AWS_PROFILE' || key === 'AWS_LAMBDA_FUNCTION_NAME' || key === 'AWS_MAX_ATTEMPTS') delete env[key];
  }
  return env;
}

/** Point the runtime at `endpoint` with a fresh state. */
export function useEndpoint(endpoint: string, region?: string): void {
  process.env = lambdaLikeEnv(endpoint, region);
  resetSecretsRuntime();
}

/** Restore the environment the test process started with. */
export function restoreEnv(): void {
  resetSecretsRuntime();
  process.env = originalEnv;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Time `work` and print the measurement, so a run's numbers are visible in the log. */
export async function measure<T>(label: string, work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await work();
  const ms = Math.round(performance.now() - start);
  process.stdout.write(`[measured] ${label}: ${ms} ms\n`);
  return { result, ms };
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: PromiseLike<unknown>): Promise<Error & { code?: string; secretId?: string }> {
  try {
    await promise;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a rejection, got a value');
}

/** Run a script in a fresh Node process with ts-node (sources from lib/), returning exit code and output. */
export function runNode(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: root,
      env: { ...env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json') },
      encoding: 'utf8',
      timeout: 60_000,
    }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/**
 * One fake Secrets Manager for a test file: started before its tests, closed after them, and before
 * each test the SDK is pointed at it with its faults cleared and its calls reset. `onStart` receives
 * it, so that the file keeps it in its own variable.
 */
export function useFakeSecretsManager(onStart: (fake: FakeSecretsManager) => void): void {
  let fake: FakeSecretsManager;
  beforeAll(async () => {
    fake = await startFakeSecretsManager();
    onStart(fake);
  });
  afterAll(async () => {
    restoreEnv();
    await fake.close();
  });
  beforeEach(() => {
    useEndpoint(fake.endpoint, fake.region);
    fake.clearFaults();
    fake.resetCalls();
  });
}
