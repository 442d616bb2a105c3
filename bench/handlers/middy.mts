// One-secret Lambda handler with middy's Secrets Manager middleware at its best configuration for a
// fair comparison: a 300 s cacheExpiry (its default, -1, caches for the environment's lifetime), and
// its default prefetch (it starts the fetch while the module loads). Bundled for size and cold start.
// An .mts file: middy ships ES modules only.
import middy from '@middy/core';
import secretsManager from '@middy/secrets-manager';

export const handler = middy()
  .use(secretsManager({ fetchData: { stripeKey: process.env.STRIPE_API_KEY_SECRET_NAME! }, setToContext: true, cacheExpiry: 300_000 }))
  .handler(async (_event: unknown, context: { stripeKey?: unknown }) => String(context.stripeKey).length);
