import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { Adapter } from './types';

// Powertools caches for 5 s by default; runtime-case.ts sets POWERTOOLS_PARAMETERS_MAX_AGE=300 to
// match cdk-app-secrets' default TTL, so the calls below need no options object.
export const adapter: Adapter = {
  readMany: async (ids) => (await Promise.all(ids.map((id) => getSecret(id)))).map(String),
  readOne: async (id) => String(await getSecret(id)),
  async warmLoop(ids, count) {
    let sum = 0;
    for (let i = 0; i < count; i++) {
      const value = await getSecret(ids[i % ids.length]);
      sum += (value as string).length;
    }
    return sum;
  },
};
