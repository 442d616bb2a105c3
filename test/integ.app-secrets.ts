/*
 * Integration test in the CDK convention (run against an account with `npx projen integ`).
 * It deploys the example stack and invokes Checkout. A fresh deploy holds only the generated
 * placeholders, so the deployed handler must reach Secrets Manager through the wired name and
 * the granted permissions and answer with the runtime's "not given a value yet" error. No value
 * is put in the template. The committed snapshot is checked offline by test/integ-snapshot.test.ts.
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App } from 'aws-cdk-lib';
import { ShopStack } from '../example/shop-stack';

export const INTEG_STACK_NAME = 'AppSecretsInteg';

export function buildIntegApp(app: App): App {
  const stack = new ShopStack(app, INTEG_STACK_NAME, { environment: 'integ' });
  const integ = new IntegTest(app, 'AppSecretsIntegTest', { testCases: [stack] });
  integ.assertions
    .invokeFunction({ functionName: stack.checkout.functionName })
    .expect(ExpectedResult.objectLike({
      FunctionError: 'Unhandled',
      Payload: Match.stringLikeRegexp(`${INTEG_STACK_NAME}/integ/stripe-api-key has not been given a value`),
    }));
  return app;
}

if (require.main === module) {
  buildIntegApp(new App()).synth();
}
