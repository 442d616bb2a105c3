/*
 * AppSecret across stacks, nested stacks, regions and accounts (issue 9, items 1 to 4 and 11).
 */
import { App, CfnParameter, NestedStack, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AppSecret } from '../lib';
import { secretIdRegion } from '../lib/env-contract';
import { deployed, functionEnvironment, newFunction, newStack, policyStatements } from './support/synth';

const ACCOUNT = '111111111111';
const OTHER_ACCOUNT = '222222222222';

function readStatement(stack: Stack): any {
  return policyStatements(stack).find((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
}

describe('a function in another region', () => {
  test('gets the secret\'s ARN, which names the region to read from, and the grant on it', () => {
    const app = new App();
    const secrets = newStack(app, 'Secrets', { account: ACCOUNT, region: 'eu-west-1' });
    const api = newStack(app, 'Api', { account: ACCOUNT, region: 'us-east-1' });
    new AppSecret(secrets, 'Key', { name: 'stripe-api-key', environment: 'prod' }).grantRead(newFunction(api));
    const value = functionEnvironment(api).STRIPE_API_KEY_SECRET_NAME as string;
    expect(value).toBe(`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:Secrets/prod/stripe-api-key`);
    expect(secretIdRegion(value)).toBe('eu-west-1');
    expect(readStatement(api).Resource).toBe(`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:Secrets/prod/stripe-api-key-??????`);
  });

  test('reads the replica in its own region, and is granted on the replica and the replica\'s key', () => {
    const app = new App();
    const secrets = newStack(app, 'Secrets', { account: ACCOUNT, region: 'eu-west-1' });
    const api = newStack(app, 'Api', { account: ACCOUNT, region: 'us-east-1' });
    const replicaKey = kms.Key.fromKeyArn(secrets, 'ReplicaKey', `arn:aws:kms:us-east-1:${ACCOUNT}:key/replica`);
    const secret = new AppSecret(secrets, 'Key', {
      name: 'stripe-api-key',
      environment: 'prod',
      encryptionKey: new kms.Key(secrets, 'PrimaryKey'),
      replicaRegions: [{ region: 'us-east-1', encryptionKey: replicaKey }],
    });
    secret.grantRead(newFunction(api));
    expect(functionEnvironment(api).STRIPE_API_KEY_SECRET_NAME).toBe(`arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:Secrets/prod/stripe-api-key`);
    expect(readStatement(api).Resource).toBe(`arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:Secrets/prod/stripe-api-key-??????`);
    expect(policyStatements(api)).toContainEqual({
      Action: 'kms:Decrypt',
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } },
      Effect: 'Allow',
      Resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/replica`,
    });
  });

  test('reads a replica added with addReplicaRegion in its own region, like one given in replicaRegions', () => {
    const app = new App();
    const secrets = newStack(app, 'Secrets', { account: ACCOUNT, region: 'eu-west-1' });
    const api = newStack(app, 'Api', { account: ACCOUNT, region: 'us-east-1' });
    const secret = new AppSecret(secrets, 'Key', { name: 'stripe-api-key', environment: 'prod' });
    secret.addReplicaRegion('us-east-1');
    secret.grantRead(newFunction(api));
    expect(functionEnvironment(api).STRIPE_API_KEY_SECRET_NAME).toBe(`arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:Secrets/prod/stripe-api-key`);
    expect(readStatement(api).Resource).toBe(`arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:Secrets/prod/stripe-api-key-??????`);
  });

  test('that is no function AppSecret wires (an ECS task\'s execution role) is granted the primary secret, whose ARN CDK\'s constructs pass on', () => {
    const app = new App();
    const secrets = newStack(app, 'Secrets', { account: ACCOUNT, region: 'eu-west-1' });
    const api = new Stack(app, 'Api', { env: { account: ACCOUNT, region: 'us-east-1' }, crossRegionReferences: true });
    const secret = new AppSecret(secrets, 'Key', { name: 'stripe-api-key', environment: 'prod', replicaRegions: [{ region: 'us-east-1' }] });
    const task = new ecs.FargateTaskDefinition(api, 'Task');
    task.addContainer('App', { image: ecs.ContainerImage.fromRegistry('nginx'), secrets: { STRIPE_API_KEY: ecs.Secret.fromSecretsManager(secret) } });
    // The task reads the primary: its ValueFrom is the primary's ARN, which ECS reads at launch with the execution role.
    expect(readStatement(api).Resource).toBe(`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:Secrets/prod/stripe-api-key-??????`);
  });

  test('defined outside the app is granted the primary secret, whose ARN the warning tells it to set', () => {
    const app = new App();
    const secrets = newStack(app, 'Secrets', { account: ACCOUNT, region: 'eu-west-1' });
    const api = newStack(app, 'Api', { account: ACCOUNT, region: 'us-east-1' });
    const secret = new AppSecret(secrets, 'Key', { name: 'stripe-api-key', environment: 'prod', replicaRegions: [{ region: 'us-east-1' }] });
    const imported = lambda.Function.fromFunctionAttributes(api, 'Imported', {
      functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:legacy`, role: iam.Role.fromRoleArn(api, 'Role', `arn:aws:iam::${ACCOUNT}:role/legacy`),
    });
    secret.grantRead(imported);
    Annotations.fromStack(secrets).hasWarning('/Secrets/Key', Match.stringLikeRegexp(
      `Fix: set STRIPE_API_KEY_SECRET_NAME=arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:Secrets/prod/stripe-api-key in that function's environment`));
    expect(readStatement(api).Resource).toBe(`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:Secrets/prod/stripe-api-key-??????`);
  });

  test('may decrypt a secret under a customer-managed key of the secret\'s stack, which it cannot reference across regions', () => {
    const app = new App();
    const secrets = newStack(app, 'Secrets', { account: ACCOUNT, region: 'eu-west-1' });
    const api = newStack(app, 'Api', { account: ACCOUNT, region: 'us-east-1' });
    const secret = new AppSecret(secrets, 'Key', { name: 'stripe-api-key', environment: 'prod', encryptionKey: new kms.Key(secrets, 'Cmk') });
    secret.grantRead(newFunction(api));
    app.synth();
    expect(functionEnvironment(api).STRIPE_API_KEY_SECRET_NAME).toBe(`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:Secrets/prod/stripe-api-key`);
    expect(policyStatements(api)).toContainEqual({
      Action: 'kms:Decrypt',
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
      Effect: 'Allow',
      Resource: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/*`,
    });
  });

  test('with crossRegionReferences on its stack may decrypt with the key\'s own ARN, not every key of the account', () => {
    const app = new App();
    const secrets = new Stack(app, 'Secrets', { env: { account: ACCOUNT, region: 'eu-west-1' }, crossRegionReferences: true });
    const api = new Stack(app, 'Api', { env: { account: ACCOUNT, region: 'us-east-1' }, crossRegionReferences: true });
    const secret = new AppSecret(secrets, 'Key', { name: 'stripe-api-key', environment: 'prod', encryptionKey: new kms.Key(secrets, 'Cmk') });
    secret.grantRead(newFunction(api));
    app.synth();
    const decrypt = policyStatements(api).find((statement) => statement.Action === 'kms:Decrypt');
    expect(decrypt?.Resource).toBeDefined();
    expect(JSON.stringify(decrypt?.Resource)).not.toContain('key/*');
  });

  test('in the secret\'s own environment still gets the plain name', () => {
    const app = new App();
    const secrets = newStack(app, 'Secrets', { account: ACCOUNT, region: 'eu-west-1' });
    const api = newStack(app, 'Api', { account: ACCOUNT, region: 'eu-west-1' });
    new AppSecret(secrets, 'Key', { name: 'k', environment: 'prod' }).grantRead(newFunction(api));
    expect(functionEnvironment(api)).toEqual({ K_SECRET_NAME: 'Secrets/prod/k' });
  });

  test('of stacks with a region but no account gets the ARN in the secret\'s region, and the grant there', () => {
    const app = new App();
    const secrets = newStack(app, 'Secrets', { region: 'eu-west-1' });
    const api = newStack(app, 'Api', { region: 'us-east-1' });
    new AppSecret(secrets, 'Key', { name: 'k', environment: 'prod' }).grantRead(newFunction(api));
    // Stacks without an account deploy to the account of the CLI's credentials, both of them.
    const value = deployed(functionEnvironment(api).K_SECRET_NAME);
    expect(value).toBe('arn:aws:secretsmanager:eu-west-1:123456789012:secret:Secrets/prod/k');
    expect(deployed(readStatement(api).Resource)).toBe('arn:aws:secretsmanager:eu-west-1:123456789012:secret:Secrets/prod/k-??????');
  });

  test('is warned about when the secret\'s stack has no region, so synth cannot tell', () => {
    const app = new App();
    const secrets = newStack(app, 'Secrets');
    const api = newStack(app, 'Api', { account: ACCOUNT, region: 'us-east-1' });
    new AppSecret(secrets, 'Key', { name: 'k', environment: 'prod' }).grantRead(newFunction(api));
    Annotations.fromStack(secrets).hasWarning('/Secrets/Key', Match.stringLikeRegexp(
      "function 'Api/Fn' is in region us-east-1, but stack 'Secrets' has no region, so synth cannot tell whether the secret is in another region.*Fix: give stack 'Secrets' an env with account and region",
    ));
  });
});

describe('a function in another account', () => {
  function crossAccount() {
    const app = new App();
    const secrets = newStack(app, 'Secrets', { account: ACCOUNT, region: 'eu-west-1' });
    const api = newStack(app, 'Api', { account: OTHER_ACCOUNT, region: 'eu-west-1' });
    const role = iam.Role.fromRoleArn(api, 'Role', `arn:aws:iam::${OTHER_ACCOUNT}:role/api-function`);
    const fn = newFunction(api, 'Fn', { role });
    const secret = new AppSecret(secrets, 'Key', { name: 'stripe-api-key', environment: 'prod', encryptionKey: new kms.Key(secrets, 'Cmk') });
    secret.grantRead(fn);
    return { app, secrets, api };
  }

  test('gets the secret\'s ARN, which GetSecretValue needs across accounts', () => {
    const { api } = crossAccount();
    expect(functionEnvironment(api).STRIPE_API_KEY_SECRET_NAME).toBe(`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:Secrets/prod/stripe-api-key`);
  });

  test('is granted in its own role policy, the secret\'s resource policy and the key policy', () => {
    const { secrets, api } = crossAccount();
    expect(deployed(readStatement(api).Resource)).toBe(`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:Secrets/prod/stripe-api-key-??????`);
    const template = Template.fromStack(secrets);
    template.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      ResourcePolicy: { Statement: [Match.objectLike({ Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:role/api-function` } })] },
    });
    expect(JSON.stringify(template.findResources('AWS::KMS::Key'))).toContain(`arn:aws:iam::${OTHER_ACCOUNT}:role/api-function`);
  });

  test('fails synth when the secret\'s stack has no region, since the other account needs the ARN', () => {
    const stack = newStack(new App(), 'Shop', { account: ACCOUNT });
    const secret = new AppSecret(stack, 'Key', { name: 'k', environment: 'prod', encryptionKey: new kms.Key(stack, 'Cmk') });
    const role = iam.Role.fromRoleArn(stack, 'Role', `arn:aws:iam::${OTHER_ACCOUNT}:role/api-function`);
    expect(() => secret.grantRead(newFunction(stack, 'Fn', { role }))).toThrow(
      `AppSecret 'Shop/Key': grantRead was called for account ${OTHER_ACCOUNT}, but stack 'Shop' has no region, and a reader in another account needs the secret's ARN. ` +
      "Fix: give stack 'Shop' an env with account and region",
    );
  });

  test('warns when the secret\'s stack has no account, so synth cannot tell another account from its own', () => {
    const stack = newStack();
    new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' }).grantRead(new iam.AccountPrincipal(OTHER_ACCOUNT));
    Annotations.fromStack(stack).hasWarning('/Shop/Key', Match.stringLikeRegexp(
      `grantRead was called for account ${OTHER_ACCOUNT}, but stack 'Shop' has no account, so synth cannot tell whether that is another account\\..*` +
      'the AWS managed key cannot be used from another account at all\\. Fix: give stack \'Shop\' an env with its account, and set encryptionKey to a customer-managed kms.Key\\.',
    ));
  });
});

describe('a function in another stack', () => {
  test('deploys after the secret\'s stack, though the literal name makes no reference to it', () => {
    const app = new App();
    const secrets = newStack(app, 'Secrets');
    const api = newStack(app, 'Api');
    new AppSecret(secrets, 'Key', { name: 'k', environment: 'prod' }).grantRead(newFunction(api));
    const assembly = app.synth();
    expect(assembly.getStackByName('Api').dependencies.map((d) => d.id)).toContain('Secrets');
  });

  test('in another stage gets the name and a warning to deploy that stage after the secret\'s, since CDK allows no dependency across stages', () => {
    const app = new App();
    const store = new Stack(new Stage(app, 'Secrets'), 'Store');
    const api = new Stack(new Stage(app, 'Api'), 'Service');
    new AppSecret(store, 'Key', { name: 'k', environment: 'prod' }).grantRead(newFunction(api));
    app.synth();
    expect(functionEnvironment(api)).toEqual({ K_SECRET_NAME: 'Secrets-Store/prod/k' });
    Annotations.fromStack(store).hasWarning('/Secrets/Store/Key', Match.stringLikeRegexp(
      "function 'Api/Service/Fn' is in stage 'Api', and the secret in stage 'Secrets'.*Fix: deploy stage 'Secrets' before stage 'Api'",
    ));
  });

  test('in another stage may decrypt a secret under a customer-managed key, which it cannot reference across stages', () => {
    const app = new App();
    const env = { account: ACCOUNT, region: 'eu-west-1' };
    const store = new Stack(new Stage(app, 'Secrets'), 'Store', { env });
    const api = new Stack(new Stage(app, 'Api'), 'Service', { env });
    new AppSecret(store, 'Key', { name: 'k', environment: 'prod', encryptionKey: new kms.Key(store, 'Cmk') }).grantRead(newFunction(api));
    app.synth();
    expect(policyStatements(api)).toContainEqual(expect.objectContaining({ Action: 'kms:Decrypt', Resource: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/*` }));
  });

  test('in a nested stack deploys after a secret in the parent', () => {
    const stack = newStack();
    const nested = new NestedStack(stack, 'Api');
    const secret = new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' });
    secret.grantRead(newFunction(nested));
    const [nestedStackId] = Object.keys(Template.fromStack(stack).findResources('AWS::CloudFormation::Stack'));
    const [secretId] = Object.keys(Template.fromStack(stack).findResources('AWS::SecretsManager::Secret'));
    expect(Template.fromStack(stack).toJSON().Resources[nestedStackId].DependsOn).toContain(secretId);
  });
});

describe('names with tokens', () => {
  function outputs(stack: Stack): any[] {
    return Object.values(Template.fromStack(stack).findOutputs('*'));
  }

  test('a secret in a nested stack is named after the top-level stack', () => {
    const stack = newStack();
    const nested = new NestedStack(stack, 'Data');
    new AppSecret(nested, 'Key', { name: 'k', environment: 'prod' });
    Template.fromStack(nested).hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'Shop/prod/k' });
    expect(outputs(nested).map((o) => o.Description)).toEqual([
      "Physical name of secret 'k'. Set its value with: npx cdk-app-secrets set k --stack Shop (or aws secretsmanager put-secret-value --secret-id Shop/prod/k --secret-string <value>)",
    ]);
  });

  test('a secret in a nested stack and one in its parent cannot take the same name', () => {
    const stack = newStack();
    new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' });
    expect(() => new AppSecret(new NestedStack(stack, 'Data'), 'Key', { name: 'k', environment: 'prod' })).toThrow(
      "AppSecret 'Shop/Data/Key': name gives the secret name 'Shop/prod/k', which 'Shop/Key' in the same stack already has",
    );
  });

  test.each([
    ['environment', (stack: Stack) => ({ name: 'k', environment: new CfnParameter(stack, 'Env').valueAsString })],
    ['secretName', (stack: Stack) => ({ name: 'k', secretName: new CfnParameter(stack, 'Name').valueAsString })],
  ])('a token %s gives a name output whose description is a literal string, as CloudFormation requires', (_, props) => {
    const stack = newStack();
    new AppSecret(stack, 'Key', props(stack)).grantRead(newFunction(stack));
    const [output] = outputs(stack);
    expect(output.Description).toBe("Physical name of secret 'k'. Set its value with: npx cdk-app-secrets set k --stack Shop (or aws secretsmanager put-secret-value --secret-id <this output's value> --secret-string <value>)");
    expect(typeof output.Value).toBe('object');
  });
});
