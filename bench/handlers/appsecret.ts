// One-secret Lambda handler with cdk-app-secrets, as in the README, importing the package as users do
// (bench/bundle.ts resolves it to the build). Bundled for size and cold start. The same bundle reads
// over the Lambda extension when the function has it, else over the SDK.
import { getEnv, getSecrets } from 'cdk-app-secrets/runtime';

export const handler = async (): Promise<number> => {
  const [stripeKey] = await getSecrets(getEnv('stripe-api-key'));
  return stripeKey.length;
};
