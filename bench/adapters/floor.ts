import type { Adapter } from './types';

/** The floor for a cached read: `await map.get(id)` on a Map of already-resolved promises. */
const map = new Map<string, Promise<string>>();

export const adapter: Adapter = {
  readMany: (ids) => Promise.all(ids.map((id) => adapter.readOne(id))),
  readOne(id) {
    let value = map.get(id);
    if (!value) {
      value = Promise.resolve(`value of ${id}`);
      map.set(id, value);
    }
    return value;
  },
  warm: {
    async one(ids, count) {
      let sum = 0;
      for (let i = 0; i < count; i++) {
        const value = await map.get(ids[i % ids.length])!;
        sum += value.length;
      }
      return sum;
    },
  },
};
