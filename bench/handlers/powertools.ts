// One-secret Lambda handler with Powertools Parameters at its best configuration (an explicit maxAge,
// matching cdk-app-secrets' 300 s; its default is 5 s). Bundled for size and cold start.
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';

export const handler = async (): Promise<number> => {
  const stripeKey = await getSecret(process.env.STRIPE_API_KEY_SECRET_NAME!, { maxAge: 300 });
  return String(stripeKey).length;
};
