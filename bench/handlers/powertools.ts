// One-secret Lambda handler with Powertools Parameters. Bundled for size and cold start.
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';

export const handler = async (): Promise<number> => {
  const stripeKey = await getSecret(process.env.STRIPE_API_KEY_SECRET_NAME!);
  return String(stripeKey).length;
};
