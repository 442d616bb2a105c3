import { fingerprint } from './fingerprint';
import { getEnv, getSecrets } from 'cdk-app-secrets/runtime';

export async function handler() {
  // This function has the Parameters and Secrets Lambda Extension (shop-stack.ts): the read goes
  // through it, and the AWS SDK is never loaded.
  const [partnerToken] = await getSecrets(getEnv('partner-token'));
  return { 'partner-token': fingerprint(partnerToken) };
}
