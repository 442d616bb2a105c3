import { App, Aspects } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ShopStack } from '../example/shop-stack';

function checkedStack(): ShopStack {
  const app = new App();
  const stack = new ShopStack(app, 'Shop-dev', { environment: 'dev' });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();
  return stack;
}

describe('cdk-nag AwsSolutions on the example stack', () => {
  test('reports no unsuppressed error', () => {
    expect(Annotations.fromStack(checkedStack()).findError('*', Match.stringLikeRegexp('AwsSolutions-'))).toEqual([]);
  });

  test('reports no unsuppressed warning', () => {
    expect(Annotations.fromStack(checkedStack()).findWarning('*', Match.stringLikeRegexp('AwsSolutions-'))).toEqual([]);
  });

  test('every suppression carries a reason a reviewer can judge (at least 60 characters)', () => {
    const resources = Object.values<any>(Template.fromStack(checkedStack()).toJSON().Resources);
    const suppressions: { id: string; reason: string }[] = resources.flatMap((resource) => resource.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    expect(suppressions.length).toBeGreaterThan(0);
    const tooShort = suppressions.filter(({ reason }) => reason.length < 60).map(({ id }) => id);
    expect(tooShort).toEqual([]);
  });

});
