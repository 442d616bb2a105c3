import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { Adapter } from './types';

// Powertools at its best configuration: an explicit maxAge (300 s, cdk-app-secrets' default TTL) in a
// constant options object. Its default is 5 s; reading the max age from POWERTOOLS_PARAMETERS_MAX_AGE
// instead makes every call read the environment, its slow path.
const OPTIONS = { maxAge: 300 } as const;
export const adapter: Adapter = {
  readMany: async (ids) => (await Promise.all(ids.map((id) => getSecret(id, OPTIONS)))).map(String),
  readOne: async (id) => String(await getSecret(id, OPTIONS)),
  async warmLoop(ids, count) {
    let sum = 0;
    for (let i = 0; i < count; i++) {
      const value = await getSecret(ids[i % ids.length], OPTIONS);
      sum += (value as string).length;
    }
    return sum;
  },
};
