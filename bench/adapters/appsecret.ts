import type { Adapter } from './types';
import { getSecrets } from '../../lib/runtime';

export const adapter: Adapter = {
  readMany: async (ids) => getSecrets(...ids),
  readOne: (id) => getSecrets(id)[0],
  async warmLoop(ids, count) {
    let sum = 0;
    for (let i = 0; i < count; i++) {
      const [value] = await getSecrets(ids[i % ids.length]);
      sum += value.length;
    }
    return sum;
  },
};
