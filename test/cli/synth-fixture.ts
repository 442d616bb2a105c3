/*
 * The cloud assembly the CLI tests run against: the example app's stack for `dev` at the top level,
 * and the same stack for `prod` inside a Stage with an explicit account and region (a nested
 * assembly, shown as `Prod/Shop`). Run directly to synthesize into the directory given.
 */
import { App, Stage } from 'aws-cdk-lib';
import { ShopStack } from '../../example/shop-stack';

/** The region of the `Prod` stage; the top-level stack is environment-agnostic. */
export const PROD_REGION = 'eu-west-1';
export const PROD_ACCOUNT = '123456789012';

export function synthCliFixture(outdir: string): void {
  // The CDK CLI turns these on; `list` names functions by construct path through them.
  const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true } });
  new ShopStack(app, 'Shop-dev', { environment: 'dev' });
  const prod = new Stage(app, 'Prod', { env: { account: PROD_ACCOUNT, region: PROD_REGION } });
  new ShopStack(prod, 'Shop', { environment: 'prod' });
  app.synth();
}

if (require.main === module) synthCliFixture(process.argv[2]);
