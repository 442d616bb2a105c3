// One-secret Lambda handler with cdk-app-secrets, as in the README. Bundled for size and cold start.
import { getEnv, getSecrets } from '../../lib/runtime';

export const handler = async (): Promise<number> => {
  const [stripeKey] = await getSecrets(getEnv('stripe-api-key'));
  return stripeKey.length;
};
