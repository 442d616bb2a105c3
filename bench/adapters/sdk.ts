import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Adapter } from './types';

/*
 * What people write by hand: GetSecretValue per secret, a module-scope Map of promises (so
 * concurrent reads share a request) and a TTL check like the libraries do.
 */
const MAX_AGE_MS = 300_000;
let client: SecretsManagerClient | undefined;
const cache = new Map<string, { value: Promise<string>; at: number }>();

function getSecret(id: string): Promise<string> {
  const hit = cache.get(id);
  if (hit && Date.now() - hit.at < MAX_AGE_MS) return hit.value;
  client ??= new SecretsManagerClient({});
  const value = client.send(new GetSecretValueCommand({ SecretId: id })).then((r) => r.SecretString!);
  value.catch(() => cache.delete(id));
  cache.set(id, { value, at: Date.now() });
  return value;
}

export const adapter: Adapter = {
  readMany: (ids) => Promise.all(ids.map(getSecret)),
  readOne: getSecret,
  warm: {
    async one(ids, count) {
      let sum = 0;
      for (let i = 0; i < count; i++) {
        const value = await getSecret(ids[i % ids.length]);
        sum += value.length;
      }
      return sum;
    },
  },
};
