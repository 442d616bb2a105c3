// One-secret Lambda handler with the plain SDK and what people write by hand: a module-scope Map of
// promises with a 300 s TTL check, like the libraries' caches. Bundled for size and cold start.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const MAX_AGE_MS = 300_000;
const client = new SecretsManagerClient({});
const cache = new Map<string, { value: Promise<string>; at: number }>();

function getSecret(id: string): Promise<string> {
  const hit = cache.get(id);
  if (hit && Date.now() - hit.at < MAX_AGE_MS) return hit.value;
  const value = client.send(new GetSecretValueCommand({ SecretId: id })).then((r) => r.SecretString!);
  value.catch(() => cache.delete(id));
  cache.set(id, { value, at: Date.now() });
  return value;
}

export const handler = async (): Promise<number> => {
  const stripeKey = await getSecret(process.env.STRIPE_API_KEY_SECRET_NAME!);
  return stripeKey.length;
};
