import { fingerprint } from './fingerprint';
import { getEnv, getSecrets } from 'cdk-app-secrets/runtime';

export async function handler() {
  // Both misses are fetched in one BatchGetSecretValue request.
  const [partnerToken, dbCredentials] = await getSecrets(getEnv('partner-token'), getEnv('db-credentials'));
  return {
    'partner-token': fingerprint(partnerToken),
    'db-credentials': fingerprint(JSON.stringify(JSON.parse(dbCredentials))),
  };
}
