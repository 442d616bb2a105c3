import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { nameEnvKey } from './names';
import type { Adapter } from './types';

// Powertools at its best configuration: an explicit maxAge (300 s, cdk-app-secrets' default TTL) in
// constant options objects. Its default is 5 s; reading the max age from POWERTOOLS_PARAMETERS_MAX_AGE
// instead makes every call read the environment, its slow path.
const OPTIONS = { maxAge: 300 } as const;
// Its JSON read: the transform is part of its cache key, so the parsed value is cached.
const JSON_OPTIONS = { maxAge: 300, transform: 'json' } as const;

export const adapter: Adapter = {
  readMany: async (ids) => (await Promise.all(ids.map((id) => getSecret(id, OPTIONS)))).map(String),
  readOne: async (id) => String(await getSecret(id, OPTIONS)),
  warm: {
    async one(ids, count) {
      let sum = 0;
      for (let i = 0; i < count; i++) {
        const value = await getSecret(ids[i % ids.length], OPTIONS);
        sum += (value as string).length;
      }
      return sum;
    },
    // A handler that takes the physical name from the function's environment on every request, the
    // way a CDK app passes it (process.env.STRIPE_API_KEY_SECRET_NAME).
    async handler(ids, count) {
      const keys = ids.map(nameEnvKey); // a handler has them as literals
      let sum = 0;
      for (let i = 0; i < count; i++) {
        const value = await getSecret(process.env[keys[i % keys.length]]!, OPTIONS);
        sum += (value as string).length;
      }
      return sum;
    },
    async json(ids, count) {
      let sum = 0;
      for (let i = 0; i < count; i++) {
        const value = await getSecret<{ token: string }>(ids[i % ids.length], JSON_OPTIONS);
        sum += value!.token.length;
      }
      return sum;
    },
    // It has no batch read for Secrets Manager: five ids are five getSecret calls in Promise.all.
    async five(ids, count) {
      let sum = 0;
      for (let i = 0; i < count; i++) {
        const j = (i * 5) % ids.length;
        const [a, b, c, d, e] = await Promise.all([
          getSecret(ids[j], OPTIONS), getSecret(ids[j + 1], OPTIONS), getSecret(ids[j + 2], OPTIONS),
          getSecret(ids[j + 3], OPTIONS), getSecret(ids[j + 4], OPTIONS),
        ]) as string[];
        sum += a.length + b.length + c.length + d.length + e.length;
      }
      return sum;
    },
  },
};
