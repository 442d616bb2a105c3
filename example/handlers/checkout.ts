import { fingerprint } from './fingerprint';
import { getEnv, getSecretJson, getSecrets } from 'cdk-app-secrets/runtime';

interface DbCredentials {
  readonly username: string;
  readonly password: string;
}

export async function handler(event: { readonly verifyWebhook?: boolean } = {}) {
  const [[stripeApiKey], db] = await Promise.all([
    getSecrets(getEnv('stripe-api-key')),
    getSecretJson<DbCredentials>(getEnv('db-credentials')),
  ]);
  if (event.verifyWebhook) {
    // The example never sets this secret, so this throws the runtime's "not given a value yet" error.
    const [signingKey] = await getSecrets(getEnv('webhook-signing-key'));
    return { webhookKey: fingerprint(signingKey) };
  }
  return {
    'stripe-api-key': fingerprint(stripeApiKey),
    'db-credentials': fingerprint(JSON.stringify(db)),
    'dbUser': db.username,
  };
}
