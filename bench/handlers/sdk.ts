// One-secret Lambda handler with the plain SDK and a module-scope Map cache. Bundled for size and cold start.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const client = new SecretsManagerClient({});
const cache = new Map<string, Promise<string>>();

function getSecret(id: string): Promise<string> {
  let value = cache.get(id);
  if (!value) {
    value = client.send(new GetSecretValueCommand({ SecretId: id })).then((r) => r.SecretString!);
    cache.set(id, value);
  }
  return value;
}

export const handler = async (): Promise<number> => {
  const stripeKey = await getSecret(process.env.STRIPE_API_KEY_SECRET_NAME!);
  return stripeKey.length;
};
