/*
 * The local endpoints every runtime benchmark reads from: a fake Secrets Manager and, in front of it,
 * a fake of the Parameters and Secrets Lambda Extension (which reads from the fake Secrets Manager the
 * way the real one reads from AWS, so its reads show in the same request counters), and the
 * environment a child process gets to reach them.
 */
import * as path from 'path';
import { nameEnvKey } from './adapters/names';
import { ROOT } from './util';
import { FakeLambdaExtension, startFakeLambdaExtension } from '../test/support/fake-lambda-extension';
import { FakeSecretsManager, startFakeSecretsManager } from '../test/support/fake-secrets-manager';

/** The one secret of the one-secret handlers (bench/handlers/), a plain string like an API key. */
export const HANDLER_SECRET = 'Bench/prod/stripe-api-key';
/** Secrets of the runtime cases; JSON values, so every read form (getSecretJson too) can read any of them. */
export const SECRET_COUNT = 50;
/** The secrets the warm reads cycle through; the children's environment names these (a function has a variable per secret it reads). */
export const WARM_SECRET_COUNT = 10;
export const secretIds = (n: number): string[] => Array.from({ length: n }, (_, i) => `Bench/prod/secret-${String(i).padStart(2, '0')}`);
/** Read before a runtime case starts, to load the SDK and open connections outside the measured part. */
export const WARMUP_SECRET = 'warmup';

export interface Endpoints {
  readonly secretsManager: FakeSecretsManager;
  readonly extension: FakeLambdaExtension;
  /** A child's environment: the fake Secrets Manager, plus the extension's variables when `extension`. */
  env(extension: boolean): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export async function startEndpoints(latencyMs: number): Promise<Endpoints> {
  const secretsManager = await startFakeSecretsManager({ latencyMs });
  secretsManager.putSecret(HANDLER_SECRET, `sk_live_${'x'.repeat(40)}`);
  secretsManager.putSecret(WARMUP_SECRET, JSON.stringify({ warm: true }));
  for (const id of secretIds(SECRET_COUNT)) secretsManager.putSecret(id, JSON.stringify({ name: id, token: 'x'.repeat(40) }));
  const extension = await startFakeLambdaExtension({ secretsManagerEndpoint: secretsManager.endpoint });
  return {
    secretsManager,
    extension,
    env: (withExtension) => ({ ...childEnv(secretsManager), ...(withExtension ? extension.env : {}) }),
    close: async () => {
      await extension.close();
      await secretsManager.close();
    },
  };
}

/** Dummy credentials, the fake endpoint and a Lambda function's variables; nothing inherited that could change a library's behaviour. */
function childEnv(fake: FakeSecretsManager): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(AWS_|CDK_APP_SECRETS_|POWERTOOLS_|PARAMETERS_SECRETS_)/.test(key)) env[key] = value;
  }
  return {
    ...env,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    // Lambda gives every function temporary credentials; the extension's fake, where present, sets its own.
    AWS_SESSION_TOKEN: 'bench-session-token',
    AWS_REGION: fake.region,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: fake.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    STRIPE_API_KEY_SECRET_NAME: HANDLER_SECRET,
    // Each secret's name variable, as AppSecret sets them: the handler-shaped reads look names up there.
    ...Object.fromEntries(secretIds(WARM_SECRET_COUNT).map((id) => [nameEnvKey(id), id])),
    // As in Lambda, where the runtime remembers what getEnv read (the environment does not change).
    AWS_LAMBDA_FUNCTION_NAME: 'bench-handler',
    NODE_NO_WARNINGS: '1',
    TS_NODE_PROJECT: path.join(ROOT, 'test', 'tsconfig.json'),
  };
}
