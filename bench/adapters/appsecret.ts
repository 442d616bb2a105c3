import { logicalName } from './names';
import type { Adapter } from './types';
import { getEnv, getSecretJson, getSecrets } from 'cdk-app-secrets/runtime';

export const adapter: Adapter = {
  readMany: async (ids) => getSecrets(...ids),
  readOne: (id) => getSecrets(id)[0],
  // Every read form the README documents.
  warm: {
    async list(ids, count) {
      let sum = 0;
      for (let i = 0; i < count; i++) {
        const [value] = await getSecrets(ids[i % ids.length]);
        sum += value.length;
      }
      return sum;
    },
    async item(ids, count) {
      let sum = 0;
      for (let i = 0; i < count; i++) {
        const [pending] = getSecrets(ids[i % ids.length]);
        const value = await pending;
        sum += value.length;
      }
      return sum;
    },
    // The README's handler: the physical name from the function's environment on every request.
    async handler(ids, count) {
      const names = ids.map(logicalName); // a handler has them as literals: getEnv('stripe-api-key')
      let sum = 0;
      for (let i = 0; i < count; i++) {
        const [value] = await getSecrets(getEnv(names[i % names.length]));
        sum += value.length;
      }
      return sum;
    },
    async json(ids, count) {
      let sum = 0;
      for (let i = 0; i < count; i++) {
        const value = await getSecretJson<{ token: string }>(ids[i % ids.length]);
        sum += value.token.length;
      }
      return sum;
    },
    // Five ids per call, written out as a handler would; alternates between two groups of five.
    async five(ids, count) {
      let sum = 0;
      for (let i = 0; i < count; i++) {
        const j = (i * 5) % ids.length;
        const [a, b, c, d, e] = await getSecrets(ids[j], ids[j + 1], ids[j + 2], ids[j + 3], ids[j + 4]);
        sum += a.length + b.length + c.length + d.length + e.length;
      }
      return sum;
    },
  },
};
