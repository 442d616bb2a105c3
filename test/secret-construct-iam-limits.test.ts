/*
 * IAM's limits on the policies of one role, measured on the template as deployed (issue 9, item 6):
 * 10,240 characters of inline policy per role, 6,144 per managed policy, 10 managed policies;
 * 2,048 characters of inline policy per user and 5,120 per group.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AppSecret } from '../lib';
import { newFunction, newStack, rolePolicies } from './support/synth';

const ENV = { account: '123456789012', region: 'eu-central-1' };
/** A stack name and environment as users write them. */
const STACK = 'CheckoutServiceProductionStack';

/** `arn:aws:secretsmanager:eu-central-1:123456789012:secret:<stack>/production/<name>-??????`, about `arnLength` long. */
function secretName(i: number, arnLength: number): string {
  const prefix = `integration-partner-${String(i).padStart(3, '0')}-`;
  const fixed = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:'.length + `${STACK}/production/`.length + '-??????'.length;
  return prefix + 'c'.repeat(Math.max(1, arnLength - fixed - prefix.length));
}

/**
 * `secrets` secrets granted to functions that share one role, each function reading as many as
 * its 4 KB environment holds.
 */
function sharedRole(app: App, options: { secrets: number; arnLength: number; env?: typeof ENV }): Stack {
  const stack = newStack(app, STACK, options.env);
  const role = new iam.Role(stack, 'SharedRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole'));
  const perFunction = Math.floor(3_000 / options.arnLength);
  const functions = Array.from({ length: Math.ceil(options.secrets / perFunction) }, (_, i) => newFunction(stack, `Fn${i}`, { role }));
  for (let i = 0; i < options.secrets; i++) {
    const secret = new AppSecret(stack, `S${i}`, { name: secretName(i, options.arnLength), environment: 'production', nameOutput: false });
    // Each function reads some of the secrets; together they read all of them.
    secret.grantRead(functions[Math.floor(i / perFunction)]);
  }
  return stack;
}

function expectWithinIamLimits(stack: Stack, secrets: number): void {
  const policies = rolePolicies(stack, 'SharedRole');
  expect(policies.inline.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10_240);
  for (const size of policies.managed) expect(size).toBeLessThanOrEqual(6_144);
  expect(policies.managed.length + policies.managedArns).toBeLessThanOrEqual(10);
  expect(new Set(policies.resources.filter((r) => r.includes(':secret:'))).size).toBe(secrets);
}

describe('the policies of one role as deployed', () => {
  test.each([73, 150, 300])('stay within IAM\'s limits with %i secrets of 130-character ARNs on functions sharing a role, in a stack with account and region', (secrets) => {
    const app = new App();
    const stack = sharedRole(app, { secrets, arnLength: 130, env: ENV });
    app.synth();
    expectWithinIamLimits(stack, secrets);
  });

  test.each([73, 150, 300])('stay within IAM\'s limits with %i secrets of 130-character ARNs on functions sharing a role, in an environment-agnostic stack', (secrets) => {
    const app = new App();
    const stack = sharedRole(app, { secrets, arnLength: 130 });
    app.synth();
    expectWithinIamLimits(stack, secrets);
  });

  test('fail synth naming the managed-policy count and the fix when one role is granted more secrets than IAM allows', () => {
    const app = new App();
    sharedRole(app, { secrets: 600, arnLength: 130, env: ENV });
    expect(() => app.synth()).toThrow(
      /AppSecret: role 'CheckoutServiceProductionStack\/SharedRole' has 1\d managed policies attached \(\d+ of them overflow policies CDK created for its grants\), over IAM's default limit of 10 per role\. Fix: grant fewer secrets to this role/,
    );
  });

  test('fail synth naming the size limit and the context that fixes it when CDK undersizes tokenized ARNs longer than 150 characters', () => {
    const app = new App();
    sharedRole(app, { secrets: 150, arnLength: 185 });
    expect(() => app.synth()).toThrow(
      /AppSecret: managed policy '[^']+' of role 'CheckoutServiceProductionStack\/SharedRole' is \d+ characters as deployed, over IAM's limit of 6144 per managed policy\. Fix: .*set the context "@aws-cdk\/aws-iam\.arnSizeEstimate": 194 in cdk\.json/,
    );
  });

  test('stay within IAM\'s limits with tokenized ARNs longer than 150 characters once the ARN size estimate is set as the error says', () => {
    const app = new App({ context: { '@aws-cdk/aws-iam.arnSizeEstimate': 194 } });
    const stack = sharedRole(app, { secrets: 150, arnLength: 185 });
    app.synth();
    expectWithinIamLimits(stack, 150);
  });

  test('fail synth for an imported role with a fix that works: CDK never splits its policy, so no ARN size estimate helps', () => {
    const app = new App();
    const stack = newStack(app, STACK, ENV);
    const role = iam.Role.fromRoleArn(stack, 'LegacyRole', `arn:aws:iam::${ENV.account}:role/legacy-functions`);
    for (let i = 0; i < 100; i++) {
      new AppSecret(stack, `S${i}`, { name: secretName(i, 130), environment: 'production', nameOutput: false }).grantRead(role);
    }
    let message = '';
    try {
      app.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/AppSecret: role 'CheckoutServiceProductionStack\/LegacyRole' has \d+ characters of inline policy as deployed .*over IAM's limit of 10240 per role\. Fix: /);
    expect(message).toContain('CDK does not move the statements of an imported role into managed policies');
    expect(message).not.toContain('arnSizeEstimate');
  });
});

describe('the README\'s count of secrets per role', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8').replace(/\s+/g, ' ');
  const stated = /About (\d+) secrets of 130-character ARNs fit on one role in a stack with an account and region, (\d+) in an environment-agnostic stack/.exec(readme);

  test.each([['with an account and region', 1, ENV], ['that is environment-agnostic', 2, undefined]] as const)('holds in a stack %s: that many fit, one more fails synth', (_, group, env) => {
    expect(stated).not.toBeNull();
    const count = Number(stated![group]);
    const fits = new App();
    const stack = sharedRole(fits, { secrets: count, arnLength: 130, env });
    fits.synth();
    expectWithinIamLimits(stack, count);
    const tooMany = new App();
    sharedRole(tooMany, { secrets: count + 1, arnLength: 130, env });
    expect(() => tooMany.synth()).toThrow(/AppSecret: /);
  });
});

describe('the policies of an IAM user or group as deployed', () => {
  function grantTo(grantee: (stack: Stack) => iam.IGrantable, secrets: number): App {
    const app = new App();
    const stack = newStack(app, STACK, ENV);
    const principal = grantee(stack);
    for (let i = 0; i < secrets; i++) {
      new AppSecret(stack, `S${i}`, { name: secretName(i, 100), environment: 'production', nameOutput: false }).grantRead(principal);
    }
    return app;
  }

  test('fail synth past IAM\'s 2,048 characters of inline policy per user, which CDK never splits', () => {
    const app = grantTo((stack) => new iam.User(stack, 'Ci'), 25);
    expect(() => app.synth()).toThrow(
      /AppSecret: user 'CheckoutServiceProductionStack\/Ci' has \d{4} characters of inline policy as deployed \('CheckoutServiceProductionStack\/Ci\/DefaultPolicy\/Resource' \d{4}\), over IAM's limit of 2048 per user\. Fix: grant the secrets to a role/,
    );
  });

  test('fail synth past IAM\'s 5,120 characters of inline policy per group', () => {
    expect(() => grantTo((stack) => new iam.Group(stack, 'Readers'), 60).synth()).toThrow(/over IAM's limit of 5120 per group/);
  });

  test('pass when a user\'s policy fits', () => {
    expect(() => grantTo((stack) => new iam.User(stack, 'Ci'), 10).synth()).not.toThrow();
  });
});
