import { adapter as base } from './appsecret';
import type { Adapter } from './types';
import { getSecrets } from '../../lib/runtime';

/** The same library read through the per-id promise (`await getSecrets(id)[0]`), not the awaitable array. */
export const adapter: Adapter = {
  ...base,
  async warmLoop(ids, count) {
    let sum = 0;
    for (let i = 0; i < count; i++) {
      const value = await getSecrets(ids[i % ids.length])[0];
      sum += value.length;
    }
    return sum;
  },
};
