/*
 * grantRead: the environment variable it writes and the least-privilege grant.
 */
import * as path from 'path';
import { App, CfnParameter, Annotations as CoreAnnotations, Size } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AppSecret } from '../lib';
import { deployedPolicySize, functionEnvironment, newFunction, newStack, policyStatements } from './support/synth';

describe('environment variable wiring', () => {
  test('grantRead on a Lambda function adds the physical name under the derived key', () => {
    const stack = newStack();
    const fn = newFunction(stack);
    new AppSecret(stack, 'Key', { name: 'stripe-api-key', environment: 'prod' }).grantRead(fn);
    expect(functionEnvironment(stack)).toEqual({ STRIPE_API_KEY_SECRET_NAME: 'Shop/prod/stripe-api-key' });
  });

  test('grantRead on a NodejsFunction wires it the same way', () => {
    const stack = newStack();
    const fn = new nodejs.NodejsFunction(stack, 'Fn', {
      entry: path.join(__dirname, 'fixtures', 'noop-handler.ts'),
      runtime: lambda.Runtime.NODEJS_20_X,
    });
    new AppSecret(stack, 'Key', { name: 'stripe-api-key', environment: 'prod' }).grantRead(fn);
    expect(functionEnvironment(stack)).toMatchObject({ STRIPE_API_KEY_SECRET_NAME: 'Shop/prod/stripe-api-key' });
  });

  test.each([
    ['stripe-api-key', 'STRIPE_API_KEY_SECRET_NAME'],
    ['stripeApiKey', 'STRIPE_API_KEY_SECRET_NAME'],
    ['db/credentials', 'DB_CREDENTIALS_SECRET_NAME'],
    ['oauth2.client_secret', 'OAUTH2_CLIENT_SECRET_SECRET_NAME'],
    ['a', 'A_SECRET_NAME'],
  ])('derives the key for %s as %s', (name, key) => {
    expect(AppSecret.envKeyFor(name)).toBe(key);
    expect(new AppSecret(newStack(), 'Key', { name, environment: 'prod' }).envKey).toBe(key);
  });

  test('uses envKey instead of the derived key when given', () => {
    const stack = newStack();
    new AppSecret(stack, 'Key', { name: 'stripe-api-key', environment: 'prod', envKey: 'STRIPE' }).grantRead(newFunction(stack));
    expect(functionEnvironment(stack)).toEqual({ STRIPE: 'Shop/prod/stripe-api-key' });
  });

  test('refuses an envKey Lambda would not accept', () => {
    const stack = newStack();
    expect(() => new AppSecret(stack, 'Key', { name: 'k', environment: 'prod', envKey: 'STRIPE-KEY' })).toThrow(
      "AppSecret 'Shop/Key': envKey 'STRIPE-KEY' is not a legal Lambda environment variable key (it must match [a-zA-Z][a-zA-Z0-9_]+). Fix: choose a key that matches",
    );
  });

  test('refuses an envKey that is a token, since an environment variable\'s key must be known at synth', () => {
    const stack = newStack();
    const envKey = new CfnParameter(stack, 'KeyName').valueAsString;
    expect(() => new AppSecret(stack, 'Key', { name: 'k', environment: 'prod', envKey })).toThrow(
      "AppSecret 'Shop/Key': envKey is an unresolved token (a CfnParameter, an attribute, ...), but CloudFormation takes only literal keys in a function's environment. " +
      "Fix: use a literal key, or leave envKey out to get AppSecret.envKeyFor(name) ('K_SECRET_NAME')",
    );
  });

  test('refuses an envKey that Lambda reserves', () => {
    const stack = newStack();
    expect(() => new AppSecret(stack, 'Key', { name: 'k', environment: 'prod', envKey: 'AWS_REGION' })).toThrow(
      "AppSecret 'Shop/Key': envKey 'AWS_REGION' is reserved by Lambda. Fix: choose another key",
    );
  });

  test('fails synth when two secrets map to the same key on one function', () => {
    const stack = newStack();
    const fn = newFunction(stack);
    new AppSecret(stack, 'Dashes', { name: 'db-password', environment: 'prod' }).grantRead(fn);
    const underscores = new AppSecret(stack, 'Underscores', { name: 'db_password', environment: 'prod' });
    expect(() => underscores.grantRead(fn)).toThrow(
      "AppSecret 'Shop/Underscores': envKey 'DB_PASSWORD_SECRET_NAME' is already used on function 'Shop/Fn' by secret 'Shop/Dashes' (Shop/prod/db-password). Fix: set a different envKey on one of the two secrets",
    );
  });

  test('fails synth when two secrets of one name in two regions map to the same key on one function', () => {
    const app = new App();
    const us = newStack(app, 'Us', { account: '111111111111', region: 'us-east-1' });
    const eu = newStack(app, 'Eu', { account: '111111111111', region: 'eu-west-1' });
    const fn = newFunction(us);
    new AppSecret(us, 'Key', { name: 'k', secretName: 'app/k' }).grantRead(fn);
    const other = new AppSecret(eu, 'Key', { name: 'k', secretName: 'app/k' });
    expect(() => other.grantRead(fn)).toThrow(
      "AppSecret 'Eu/Key': envKey 'K_SECRET_NAME' is already used on function 'Us/Fn' by secret 'Us/Key' (app/k), " +
      'and this secret would replace it with arn:aws:secretsmanager:eu-west-1:111111111111:secret:app/k. Fix: set a different envKey on one of the two secrets',
    );
  });

  test('granting one secret twice to one function is harmless', () => {
    const stack = newStack();
    const fn = newFunction(stack);
    const secret = new AppSecret(stack, 'Key', { name: 'stripe-api-key', environment: 'prod' });
    secret.grantRead(fn);
    secret.grantRead(fn);
    expect(functionEnvironment(stack)).toEqual({ STRIPE_API_KEY_SECRET_NAME: 'Shop/prod/stripe-api-key' });
    const read = policyStatements(stack).filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(read).toHaveLength(1);
    expect(read[0].Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:Shop/prod/stripe-api-key-??????' });
  });

  test('wires one secret into many functions and many secrets into one function', () => {
    const stack = newStack();
    const [a, b] = [newFunction(stack, 'FnA'), newFunction(stack, 'FnB')];
    const stripe = new AppSecret(stack, 'Stripe', { name: 'stripe', environment: 'prod' });
    const db = new AppSecret(stack, 'Db', { name: 'db', environment: 'prod' });
    stripe.grantRead(a);
    stripe.grantRead(b);
    db.grantRead(a);
    expect(functionEnvironment(stack, 'FnA')).toEqual({ STRIPE_SECRET_NAME: 'Shop/prod/stripe', DB_SECRET_NAME: 'Shop/prod/db' });
    expect(functionEnvironment(stack, 'FnB')).toEqual({ STRIPE_SECRET_NAME: 'Shop/prod/stripe' });
  });

  test('fails synth when the environment grows past Lambda\'s 4 KB', () => {
    const app = new App();
    const stack = newStack(app);
    const fn = newFunction(stack);
    for (let i = 0; i < 40; i++) {
      new AppSecret(stack, `S${i}`, { name: `integration-partner-${i}-oauth-client-credentials`, environment: 'production', nameOutput: false }).grantRead(fn);
    }
    expect(() => app.synth()).toThrow(
      /AppSecret: the environment of function 'Shop\/Fn' is \d{4} bytes as JSON, over Lambda's limit of 4096 bytes \(40 variables, 40 of them secret names\)\. Fix: group related values into one JSON secret/,
    );
  });

  test.each([[34, false], [38, true]])('measures %i ARNs that take the account the stacks deploy to at their deployed length (over 4 KB: %s)', (secrets, over) => {
    const app = new App();
    const secretStack = newStack(app, 'Secrets', { region: 'eu-west-1' });
    const api = newStack(app, 'Api', { region: 'us-east-1' });
    const fn = newFunction(api);
    for (let i = 0; i < secrets; i++) {
      new AppSecret(secretStack, `S${i}`, { name: `partner-${i}-key`, environment: 'prod', nameOutput: false }).grantRead(fn);
    }
    // Each value is arn:aws:secretsmanager:eu-west-1:<12-digit account>:secret:..., longer as CloudFormation JSON than deployed.
    if (over) expect(() => app.synth()).toThrow(/the environment of function 'Api\/Fn' is 42\d\d bytes as JSON/);
    else expect(() => app.synth()).not.toThrow();
  });

  test('warns when values CloudFormation fills in at deploy time may take the environment past 4 KB, which their CloudFormation JSON understates', () => {
    const app = new App();
    const stack = newStack(app, 'Shop', { account: '123456789012', region: 'eu-central-1' });
    const fn = newFunction(stack);
    // Each URL deploys as https://sqs.eu-central-1.amazonaws.com/123456789012/Shop-Queue<n><hash>-<12 random>, ~85 characters; its JSON {"Ref":"Queue<n><hash>"} is ~25.
    for (let i = 0; i < 45; i++) fn.addEnvironment(`QUEUE_URL_${i}`, new sqs.Queue(stack, `Queue${i}`).queueUrl);
    new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' }).grantRead(fn);
    app.synth();
    Annotations.fromStack(stack).hasWarning('/Shop/Fn', Match.stringLikeRegexp(
      "the environment of function 'Shop/Fn' is \\d{3,4} bytes as JSON without the 45 values CloudFormation fills in at deploy time \\(references to resources, parameters or other stacks\\), " +
      "and passes Lambda's limit of 4096 bytes if they average more than \\d+ characters"));
  });

  test('does not refuse an environment whose references to other stacks are long only as CloudFormation JSON', () => {
    const app = new App();
    const env = { account: '123456789012', region: 'eu-central-1' };
    const data = newStack(app, 'Data', env);
    const api = newStack(app, 'Api', env);
    const fn = newFunction(api);
    // {"Fn::ImportValue":"Data:ExportsOutputRefOrdersTable<n><hash>"} is ~70 characters; the table name it deploys as, ~40.
    for (let i = 0; i < 48; i++) {
      fn.addEnvironment(`TABLE_NAME_${i}`, new dynamodb.Table(data, `OrdersTable${i}`, { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } }).tableName);
    }
    new AppSecret(api, 'Key', { name: 'k', environment: 'prod' }).grantRead(fn);
    expect(() => app.synth()).not.toThrow();
  });

  test('counts the function\'s own variables towards the 4 KB', () => {
    const app = new App();
    const stack = newStack(app);
    const fn = newFunction(stack);
    fn.addEnvironment('BIG_CONFIG', 'x'.repeat(4050));
    new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' }).grantRead(fn);
    expect(() => app.synth()).toThrow(/\(2 variables, 1 of them secret names\)/);
  });

  test('a grantee that is not a Lambda function gets the grant without an environment variable', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'TaskRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    const grant = new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' }).grantRead(role);
    expect(grant.success).toBe(true);
    expect(policyStatements(stack)).toContainEqual(expect.objectContaining({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] }));
    expect(Template.fromStack(stack).findResources('AWS::Lambda::Function')).toEqual({});
  });

  test('a function in another stack gets the name as a literal, with no cross-stack import', () => {
    const app = new App();
    const secrets = newStack(app, 'Secrets');
    const api = newStack(app, 'Api');
    const fn = newFunction(api);
    new AppSecret(secrets, 'Key', { name: 'stripe-api-key', environment: 'prod' }).grantRead(fn);
    expect(functionEnvironment(api)).toEqual({ STRIPE_API_KEY_SECRET_NAME: 'Secrets/prod/stripe-api-key' });
    expect(JSON.stringify(Template.fromStack(api).toJSON())).not.toContain('Fn::ImportValue');
    expect(Template.fromStack(secrets).findOutputs('*', { Export: Match.anyValue() })).toEqual({});
  });
});

describe('least privilege', () => {
  test('an ECS container\'s secret grants its execution role only this secret: the ECS agent reads it by ARN, never in a batch (no cdk-nag IAM5 on *)', () => {
    const stack = newStack();
    const secret = new AppSecret(stack, 'Key', { name: 'stripe-api-key', environment: 'prod' });
    const task = new ecs.FargateTaskDefinition(stack, 'Task');
    task.addContainer('App', { image: ecs.ContainerImage.fromRegistry('nginx'), secrets: { STRIPE_API_KEY: ecs.Secret.fromSecretsManager(secret) } });
    expect(policyStatements(stack)).toEqual([{
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      Effect: 'Allow',
      Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:Shop/prod/stripe-api-key-??????' },
    }]);
  });

  test('an AWS Batch container\'s secret grants its execution role no BatchGetSecretValue either', () => {
    const stack = newStack();
    const secret = new AppSecret(stack, 'Key', { name: 'stripe-api-key', environment: 'prod' });
    new batch.EcsJobDefinition(stack, 'Job', {
      container: new batch.EcsFargateContainerDefinition(stack, 'Container', {
        image: ecs.ContainerImage.fromRegistry('nginx'), cpu: 1, memory: Size.gibibytes(2), secrets: { STRIPE_API_KEY: batch.Secret.fromSecretsManager(secret) },
      }),
    });
    expect(policyStatements(stack).map((statement) => statement.Action)).not.toContainEqual('secretsmanager:BatchGetSecretValue');
    expect(policyStatements(stack)).toContainEqual(expect.objectContaining({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] }));
  });

  test('a Lambda role that a construct of the user\'s own exposes as executionRole still gets BatchGetSecretValue', () => {
    const stack = newStack();
    const worker = new Construct(stack, 'Worker') as Construct & { executionRole?: iam.Role };
    worker.executionRole = new iam.Role(worker, 'ExecutionRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    new AppSecret(stack, 'Key', { name: 'stripe-api-key', environment: 'prod' }).grantRead(worker.executionRole);
    expect(policyStatements(stack)).toContainEqual({ Action: 'secretsmanager:BatchGetSecretValue', Effect: 'Allow', Resource: '*' });
  });

  test('an ECS task role, which the task\'s own code reads with (maybe this runtime), still gets BatchGetSecretValue', () => {
    const stack = newStack();
    const task = new ecs.FargateTaskDefinition(stack, 'Task');
    new AppSecret(stack, 'Key', { name: 'stripe-api-key', environment: 'prod' }).grantRead(task.taskRole);
    expect(policyStatements(stack)).toContainEqual({ Action: 'secretsmanager:BatchGetSecretValue', Effect: 'Allow', Resource: '*' });
  });

  test('grants GetSecretValue and DescribeSecret on this secret only, and BatchGetSecretValue on *', () => {
    const stack = newStack();
    new AppSecret(stack, 'Key', { name: 'stripe-api-key', environment: 'prod' }).grantRead(newFunction(stack));
    expect(policyStatements(stack)).toEqual([
      {
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Effect: 'Allow',
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:Shop/prod/stripe-api-key-??????' },
      },
      { Action: 'secretsmanager:BatchGetSecretValue', Effect: 'Allow', Resource: '*' },
    ]);
  });

  test('writes the ARN literally when the stack\'s account and region are known', () => {
    const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'cn-north-1' });
    new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' }).grantRead(newFunction(stack));
    expect(policyStatements(stack)[0].Resource).toBe('arn:aws-cn:secretsmanager:cn-north-1:111111111111:secret:Shop/prod/k-??????');
  });

  test('returns an iam.Grant describing what this call granted', () => {
    const stack = newStack();
    const fn = newFunction(stack);
    new AppSecret(stack, 'First', { name: 'first', environment: 'prod' }).grantRead(fn);
    const grant = new AppSecret(stack, 'Second', { name: 'second', environment: 'prod' }).grantRead(fn);
    expect(grant.success).toBe(true);
    const resources = grant.principalStatements.flatMap((s) => s.resources).map((arn) => stack.resolve(arn));
    expect(resources).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:Shop/prod/second-??????' },
      '*',
    ]);
  });

  test('keeps the grants of 100 secrets on one function in its inline policy, within IAM\'s size limit', () => {
    const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'eu-central-1' });
    const fn = newFunction(stack);
    const key = new kms.Key(stack, 'Key');
    for (let i = 0; i < 100; i++) {
      new AppSecret(stack, `S${i}`, { name: `s${i}`, environment: 'prod', encryptionKey: key, nameOutput: false }).grantRead(fn);
    }
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(policies).toHaveLength(1);
    const document = policies[0].Properties.PolicyDocument;
    const read = document.Statement.filter((s: any) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(read.flatMap((s: any) => s.Resource)).toHaveLength(100);
    // Far fewer statements than grants: the actions are not repeated per secret.
    expect(document.Statement.length).toBeLessThan(10);
    expect(deployedPolicySize(document)).toBeLessThan(10_240);
  });

  test('keeps every policy document of an environment-agnostic stack within IAM\'s limits with 100 secrets on one function', () => {
    const stack = newStack();
    const fn = newFunction(stack);
    for (let i = 0; i < 100; i++) {
      new AppSecret(stack, `S${i}`, { name: `s${i}`, environment: 'prod', nameOutput: false }).grantRead(fn);
    }
    const template = Template.fromStack(stack);
    const inline = Object.values(template.findResources('AWS::IAM::Policy')).map((p) => p.Properties.PolicyDocument);
    const managed = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).map((p) => p.Properties.PolicyDocument);
    const arns = [...inline, ...managed].flatMap((doc) => doc.Statement).flatMap((s) => [s.Resource].flat());
    expect(arns.filter((arn) => arn !== '*')).toHaveLength(100);
    expect(inline.map(deployedPolicySize).reduce((a, b) => a + b, 0)).toBeLessThan(10_240);
    for (const doc of managed) expect(deployedPolicySize(doc)).toBeLessThan(6_144);
  });

  test('grants kms:Decrypt through Secrets Manager only when a customer-managed key is used', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key');
    new AppSecret(stack, 'Secret', { name: 'k', environment: 'prod', encryptionKey: key }).grantRead(newFunction(stack));
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Action: 'kms:Decrypt',
          Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
        }]),
      },
    });
  });

  test('grants kms:Decrypt on the key behind a kms.Alias given as encryptionKey, since IAM never matches an alias ARN for Decrypt', () => {
    const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'eu-west-1' });
    const alias = new kms.Alias(stack, 'Alias', { aliasName: 'alias/app', targetKey: new kms.Key(stack, 'Key') });
    new AppSecret(stack, 'Secret', { name: 'k', environment: 'prod', encryptionKey: alias }).grantRead(newFunction(stack));
    const decrypt = policyStatements(stack).find((s) => s.Action === 'kms:Decrypt');
    expect(JSON.stringify(decrypt.Resource)).toMatch(/"Fn::GetAtt":\["Key[0-9A-F]+","Arn"\]/);
  });

  test('grants kms:Decrypt on the account\'s keys with that alias for an alias imported by name', () => {
    const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'eu-west-1' });
    const alias = kms.Alias.fromAliasName(stack, 'Alias', 'alias/app');
    new AppSecret(stack, 'Secret', { name: 'k', environment: 'prod', encryptionKey: alias }).grantRead(newFunction(stack));
    expect(policyStatements(stack).find((s) => s.Action === 'kms:Decrypt')).toEqual({
      Action: 'kms:Decrypt',
      Effect: 'Allow',
      Resource: 'arn:aws:kms:eu-west-1:111111111111:key/*',
      Condition: {
        'StringEquals': { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' },
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/app' },
      },
    });
  });

  test('grants no kms permission for a secret under the AWS managed key', () => {
    const stack = newStack();
    new AppSecret(stack, 'Secret', { name: 'k', environment: 'prod' }).grantRead(newFunction(stack));
    expect(JSON.stringify(policyStatements(stack))).not.toContain('kms:');
  });

  test('refuses an empty list of version stages, which matches no version and would spread to the secrets granted after it', () => {
    const stack = newStack();
    const fn = newFunction(stack);
    expect(() => new AppSecret(stack, 'A', { name: 'a', environment: 'prod' }).grantRead(fn, [])).toThrow(
      "AppSecret 'Shop/A': versionStages is empty, so the grant would match no version of the secret. Fix: leave versionStages out to grant every version, or name the stages, e.g. ['AWSCURRENT']",
    );
    new AppSecret(stack, 'B', { name: 'b', environment: 'prod' }).grantRead(fn);
    expect(policyStatements(stack)[0].Condition).toBeUndefined();
  });

  test('limits the grant to the given version stages', () => {
    const stack = newStack();
    new AppSecret(stack, 'Secret', { name: 'k', environment: 'prod' }).grantRead(newFunction(stack), ['AWSCURRENT']);
    expect(policyStatements(stack)[0].Condition).toEqual({ 'ForAnyValue:StringEquals': { 'secretsmanager:VersionStage': ['AWSCURRENT'] } });
  });

  test('grants a service principal through the secret\'s resource policy in a stack with an account, under the AWS managed key', () => {
    const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'eu-west-1' });
    const grant = new AppSecret(stack, 'Secret', { name: 'k', environment: 'prod' }).grantRead(new iam.ServicePrincipal('pipes.amazonaws.com'));
    expect(grant.success).toBe(true);
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      ResourcePolicy: { Statement: [Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Principal: { Service: 'pipes.amazonaws.com' } })] },
    });
  });

  test('grants a service principal kms:Decrypt in the key policy of a customer-managed key', () => {
    const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'eu-west-1' });
    const key = new kms.Key(stack, 'Key');
    new AppSecret(stack, 'Secret', { name: 'k', environment: 'prod', encryptionKey: key }).grantRead(new iam.ServicePrincipal('pipes.amazonaws.com'));
    const keyPolicy = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy.Statement;
    expect(keyPolicy).toContainEqual(expect.objectContaining({
      Action: 'kms:Decrypt', Principal: { Service: 'pipes.amazonaws.com' }, Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
    }));
  });

  test('grants an ArnPrincipal of its own account through the secret\'s resource policy, under the AWS managed key', () => {
    const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'eu-west-1' });
    new AppSecret(stack, 'Secret', { name: 'k', environment: 'prod' }).grantRead(new iam.ArnPrincipal('arn:aws:iam::111111111111:role/ops'));
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      ResourcePolicy: { Statement: [Match.objectLike({ Principal: { AWS: 'arn:aws:iam::111111111111:role/ops' } })] },
    });
  });

  test('warns for a function whose role is imported with mutable: false, which CDK drops the grant for, naming every statement its policy needs', () => {
    const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'eu-west-1' });
    const role = iam.Role.fromRoleArn(stack, 'Central', 'arn:aws:iam::111111111111:role/central-lambda', { mutable: false });
    const key = new kms.Key(stack, 'Key');
    new AppSecret(stack, 'Secret', { name: 'k', environment: 'prod', encryptionKey: key }).grantRead(newFunction(stack, 'Fn', { role }));
    expect(policyStatements(stack)).toEqual([]);
    Annotations.fromStack(stack).hasWarning('/Shop/Secret', Match.stringLikeRegexp(
      'grantRead was given role arn:aws:iam::111111111111:role/central-lambda, imported with mutable: false, so CDK added nothing to its policy and the read would be denied\\. ' +
      'Fix: allow, in its policy where it is managed, secretsmanager:GetSecretValue and secretsmanager:DescribeSecret on arn:aws:secretsmanager:eu-west-1:111111111111:secret:Shop/prod/k-\\?\\?\\?\\?\\?\\?, ' +
      'secretsmanager:BatchGetSecretValue on \\* \\(getSecrets reads several secrets in one request\\), and kms:Decrypt on the secret\'s key with kms:ViaService secretsmanager\\.eu-west-1\\.amazonaws\\.com; ' +
      'or import the role with addGrantsToResources: true.*cdk-app-secrets:role-takes-no-policy'));
  });

  test('grants a role imported with mutable: false and addGrantsToResources through the resource policy, and warns that BatchGetSecretValue needs its own policy', () => {
    const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'eu-west-1' });
    const role = iam.Role.fromRoleArn(stack, 'Central', 'arn:aws:iam::111111111111:role/central-lambda', { mutable: false, addGrantsToResources: true });
    new AppSecret(stack, 'Secret', { name: 'k', environment: 'prod' }).grantRead(role);
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      ResourcePolicy: { Statement: [Match.objectLike({ Principal: { AWS: 'arn:aws:iam::111111111111:role/central-lambda' } })] },
    });
    Annotations.fromStack(stack).hasWarning('/Shop/Secret', Match.stringLikeRegexp(
      "grantRead was given role arn:aws:iam::111111111111:role/central-lambda, imported with mutable: false, which is granted in the secret's resource policy, " +
      'but secretsmanager:BatchGetSecretValue, which getSecrets uses to read several secrets in one request, takes no resource, so only the role\'s own policy can allow it\\. ' +
      'Fix: allow secretsmanager:BatchGetSecretValue on \\* in its policy where it is managed'));
  });

  test('says how to acknowledge the warning once the role\'s own policy allows the read', () => {
    const centralRoleReading = (acknowledged: boolean) => {
      const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'eu-west-1' });
      const secret = new AppSecret(stack, 'Secret', { name: 'k', environment: 'prod' });
      secret.grantRead(iam.Role.fromRoleArn(stack, 'Central', 'arn:aws:iam::111111111111:role/central-lambda', { mutable: false }));
      if (acknowledged) CoreAnnotations.of(secret).acknowledgeWarning('cdk-app-secrets:role-takes-no-policy');
      return Annotations.fromStack(stack);
    };
    centralRoleReading(false).hasWarning('/Shop/Secret', Match.stringLikeRegexp(
      "once its policy allows these, acknowledge this warning: Annotations\\.of\\(secret\\)\\.acknowledgeWarning\\('cdk-app-secrets:role-takes-no-policy'\\)"));
    centralRoleReading(true).hasNoWarning('*', Match.anyValue());
  });

  test('an ECS execution role imported with mutable: false needs no BatchGetSecretValue: no warning with addGrantsToResources, and none asked for without', () => {
    const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'eu-west-1' });
    const secret = new AppSecret(stack, 'Secret', { name: 'k', environment: 'prod', generateSecretString: { passwordLength: 32 } });
    const viaResource = iam.Role.fromRoleArn(stack, 'Exec', 'arn:aws:iam::111111111111:role/exec', { mutable: false, addGrantsToResources: true });
    new ecs.FargateTaskDefinition(stack, 'Task', { executionRole: viaResource })
      .addContainer('App', { image: ecs.ContainerImage.fromRegistry('nginx'), secrets: { TOKEN: ecs.Secret.fromSecretsManager(secret) } });
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    const own = iam.Role.fromRoleArn(stack, 'OwnExec', 'arn:aws:iam::111111111111:role/own-exec', { mutable: false });
    new ecs.FargateTaskDefinition(stack, 'OwnTask', { executionRole: own })
      .addContainer('App', { image: ecs.ContainerImage.fromRegistry('nginx'), secrets: { TOKEN: ecs.Secret.fromSecretsManager(secret) } });
    const warnings = Annotations.fromStack(stack).findWarning('/Shop/Secret', Match.anyValue());
    expect(warnings.map((w) => String(w.entry.data))).toEqual([expect.stringContaining('role/own-exec')]);
    expect(String(warnings[0].entry.data)).not.toContain('BatchGetSecretValue');
  });

  test('refuses an ArnPrincipal of another account when the secret uses the AWS managed key, naming the account', () => {
    const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'eu-west-1' });
    const secret = new AppSecret(stack, 'Secret', { name: 'k', environment: 'prod' });
    expect(() => secret.grantRead(new iam.ArnPrincipal('arn:aws:iam::222222222222:role/ops'))).toThrow(
      "AppSecret 'Shop/Secret': encryptionKey is not set, but grantRead was called for account 222222222222, and the AWS managed key cannot be used from another account",
    );
  });

  test('grants another account through the secret\'s resource policy and key policy', () => {
    const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'eu-west-1' });
    const key = new kms.Key(stack, 'Key');
    new AppSecret(stack, 'Secret', { name: 'k', environment: 'prod', encryptionKey: key }).grantRead(new iam.AccountPrincipal('222222222222'));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      ResourcePolicy: {
        Statement: [Match.objectLike({
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Principal: { AWS: { 'Fn::Join': ['', Match.arrayWith([':iam::222222222222:root'])] } },
        })],
      },
    });
    expect(JSON.stringify(template.findResources('AWS::KMS::Key'))).toContain(':iam::222222222222:root');
  });

  test('refuses an organization principal when the secret uses the AWS managed key, which its other accounts cannot use', () => {
    const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'eu-west-1' });
    const secret = new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' });
    expect(() => secret.grantRead(new iam.OrganizationPrincipal('o-abcdefghij12'))).toThrow(
      "AppSecret 'Shop/Key': encryptionKey is not set, but grantRead was called for OrganizationPrincipal(o-abcdefghij12), which reads through the secret's resource policy " +
      'from accounts that may be other than this one, and the AWS managed key cannot be used from another account. ' +
      'Fix: set encryptionKey to a customer-managed kms.Key, whose key policy CDK extends to the principal',
    );
    const withKey = new AppSecret(stack, 'WithKey', { name: 'with-key', environment: 'prod', encryptionKey: new kms.Key(stack, 'Cmk') });
    withKey.grantRead(new iam.OrganizationPrincipal('o-abcdefghij12'));
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      ResourcePolicy: { Statement: [Match.objectLike({ Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij12' } } })] },
    });
  });

  test('refuses another account when the secret uses the AWS managed key, which cannot be shared', () => {
    const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'eu-west-1' });
    const secret = new AppSecret(stack, 'Secret', { name: 'k', environment: 'prod' });
    expect(() => secret.grantRead(new iam.AccountPrincipal('222222222222'))).toThrow(
      "AppSecret 'Shop/Secret': encryptionKey is not set, but grantRead was called for account 222222222222, and the AWS managed key cannot be used from another account. Fix: set encryptionKey to a customer-managed kms.Key",
    );
  });
});
