import type { Adapter } from './types';

/*
 * middy's Secrets Manager middleware at its best configuration (cacheExpiry 300 s; its default, -1,
 * never refreshes), with its default prefetch. middy reads secrets per invocation, in its `before`
 * middleware, for the `fetchData` fixed when the handler is built: so a read of a set of ids is an
 * invocation of a handler built once for that set (each with its own cache key, as separate handlers
 * in separate functions would have). It has no per-read call, so no warm loop.
 *
 * middy ships ES modules only; this file is type-checked as CommonJS, so it imports them dynamically
 * (bundled all the same by esbuild; bench/handlers/middy.mts shows the static form users write).
 */
type Handler = (event: unknown, context: Record<string, unknown>) => Promise<string[]>;
const handlers = new Map<string, Promise<Handler>>();

async function build(ids: string[], key: string): Promise<Handler> {
  const [{ default: middy }, { default: secretsManager }] = await Promise.all([import('@middy/core'), import('@middy/secrets-manager')]);
  const names = ids.map((_, i) => `s${i}`);
  const fetchData = Object.fromEntries(names.map((name, i) => [name, ids[i]]));
  const handler = middy()
    .use(secretsManager({ fetchData, setToContext: true, cacheExpiry: 300_000, cacheKey: `bench:${key}` }))
    .handler(async (_event: unknown, context: Record<string, unknown>) => names.map((name) => {
      // middy JSON-parses values that parse; the cases only need to see a value arrive.
      const value = context[name];
      if (value === undefined) throw new Error(`middy gave no value for ${name}`);
      return typeof value === 'string' ? value : JSON.stringify(value);
    }));
  return handler as unknown as Handler;
}

function invoke(ids: string[]): Promise<string[]> {
  const key = ids.join('\n');
  let handler = handlers.get(key);
  if (!handler) {
    handler = build(ids, key);
    handlers.set(key, handler);
  }
  return handler.then((h) => h({}, {}));
}

export const adapter: Adapter = {
  readMany: invoke,
  readOne: async (id) => (await invoke([id]))[0],
};
