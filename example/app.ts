import { App } from 'aws-cdk-lib';
import { ShopStack } from './shop-stack';

/** One stack per environment named in the context, e.g. `cdk synth -c example:environments=dev`. */
export function buildExampleApp(app: App): ShopStack[] {
  const environments = String(app.node.tryGetContext('example:environments') ?? 'dev,prod').split(',');
  return environments.map((environment) => new ShopStack(app, `Shop-${environment}`, { environment }));
}

if (require.main === module) {
  const app = new App();
  buildExampleApp(app);
  app.synth();
}
