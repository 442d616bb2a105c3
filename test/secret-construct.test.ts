import * as path from 'path';
import { App, Duration, RemovalPolicy, SecretValue, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AppSecret } from '../lib';
import { PLACEHOLDER_MARKER_KEY } from '../lib/env-contract';

function newStack(app = new App(), id = 'Shop', props?: { account?: string; region?: string }): Stack {
  return new Stack(app, id, props ? { env: props } : undefined);
}

function newFunction(stack: Stack, id = 'Fn'): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {}'),
  });
}

function secretNames(stack: Stack): string[] {
  return Object.values(Template.fromStack(stack).findResources('AWS::SecretsManager::Secret'))
    .map((resource) => resource.Properties.Name);
}

function functionEnvironment(stack: Stack, logicalIdPrefix = 'Fn'): Record<string, unknown> {
  const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function');
  const [, fn] = Object.entries(functions).find(([id]) => id.startsWith(logicalIdPrefix))!;
  return fn.Properties.Environment?.Variables ?? {};
}

function policyStatements(stack: Stack): any[] {
  return Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

/** The policy document as IAM would store it, with the pseudo parameters substituted. */
function deployedPolicySize(document: unknown): number {
  const substitute = (value: any): any => {
    if (Array.isArray(value)) return value.map(substitute);
    if (value && typeof value === 'object') {
      if (typeof value['Fn::Sub'] === 'string') {
        return value['Fn::Sub'].replace('${AWS::Partition}', 'aws').replace('${AWS::Region}', 'eu-central-1').replace('${AWS::AccountId}', '123456789012');
      }
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]));
    }
    return value;
  };
  return JSON.stringify(substitute(document)).length;
}

describe('physical name', () => {
  test('is <stack name>/<environment>/<name>', () => {
    const stack = newStack();
    new AppSecret(stack, 'StripeKey', { name: 'stripe-api-key', environment: 'prod' });
    expect(secretNames(stack)).toEqual(['Shop/prod/stripe-api-key']);
  });

  test('takes the environment from the cdk-app-secrets:environment context when the prop is not set', () => {
    const app = new App({ context: { [AppSecret.ENVIRONMENT_CONTEXT_KEY]: 'staging' } });
    const stack = newStack(app);
    const secret = new AppSecret(stack, 'StripeKey', { name: 'stripe-api-key' });
    expect(secret.environment).toBe('staging');
    expect(secretNames(stack)).toEqual(['Shop/staging/stripe-api-key']);
  });

  test('prefers the environment prop over the context', () => {
    const app = new App({ context: { [AppSecret.ENVIRONMENT_CONTEXT_KEY]: 'staging' } });
    const stack = newStack(app);
    new AppSecret(stack, 'StripeKey', { name: 'stripe-api-key', environment: 'prod' });
    expect(secretNames(stack)).toEqual(['Shop/prod/stripe-api-key']);
  });

  test('fails synth when neither the environment prop nor the context is set', () => {
    const stack = newStack();
    expect(() => new AppSecret(stack, 'StripeKey', { name: 'stripe-api-key' })).toThrow(
      "AppSecret 'Shop/StripeKey': environment is not set, and there is no context value 'cdk-app-secrets:environment' to take it from. Fix: pass environment: 'dev'",
    );
  });

  test('differs between two stacks that declare the same secret', () => {
    const app = new App();
    const shop = newStack(app, 'Shop');
    const billing = newStack(app, 'Billing');
    new AppSecret(shop, 'Key', { name: 'stripe-api-key', environment: 'prod' });
    new AppSecret(billing, 'Key', { name: 'stripe-api-key', environment: 'prod' });
    expect([...secretNames(shop), ...secretNames(billing)]).toEqual(['Shop/prod/stripe-api-key', 'Billing/prod/stripe-api-key']);
  });

  test('differs between two environments of one stack', () => {
    const stack = newStack();
    new AppSecret(stack, 'DevKey', { name: 'stripe-api-key', environment: 'dev' });
    new AppSecret(stack, 'ProdKey', { name: 'stripe-api-key', environment: 'prod' });
    expect(secretNames(stack).sort()).toEqual(['Shop/dev/stripe-api-key', 'Shop/prod/stripe-api-key']);
  });

  test('fails synth when two secrets in one stack would get the same name', () => {
    const stack = newStack();
    new AppSecret(stack, 'First', { name: 'stripe-api-key', environment: 'prod' });
    expect(() => new AppSecret(stack, 'Second', { name: 'stripe-api-key', environment: 'prod' })).toThrow(
      "AppSecret 'Shop/Second': name gives the secret name 'Shop/prod/stripe-api-key', which 'Shop/First' in the same stack already has",
    );
  });

  test('is replaced verbatim by secretName, which needs no environment', () => {
    const stack = newStack();
    const secret = new AppSecret(stack, 'Legacy', { name: 'stripe-api-key', secretName: 'billing/stripe' });
    expect(secret.secretName).toBe('billing/stripe');
    expect(secretNames(stack)).toEqual(['billing/stripe']);
  });
});

describe('validation at synth', () => {
  test('refuses characters Secrets Manager does not allow in the name', () => {
    const stack = newStack();
    expect(() => new AppSecret(stack, 'Bad', { name: 'stripe key!', environment: 'prod' })).toThrow(
      "AppSecret 'Shop/Bad': name 'stripe key!' is not a valid secret name (1 to 256 of A-Z a-z 0-9 / _ + = . @ -, starting with a letter). Fix: use a name such as 'stripe-api-key'",
    );
  });

  test('refuses a name that does not start with a letter, because the environment variable key could not', () => {
    const stack = newStack();
    expect(() => new AppSecret(stack, 'Bad', { name: '1password', environment: 'prod' })).toThrow(/name '1password' is not a valid secret name/);
  });

  test('refuses a full name longer than 512 characters', () => {
    const stack = newStack();
    expect(() => new AppSecret(stack, 'Long', { name: 'a'.repeat(200), secretName: `x/${'a'.repeat(511)}` })).toThrow(
      "AppSecret 'Shop/Long': secretName 'x/aaaa",
    );
    expect(() => new AppSecret(stack, 'Long2', { name: 'a', secretName: `x/${'a'.repeat(511)}` })).toThrow(
      /is 513 characters long, but Secrets Manager names are 1 to 512 characters\. Fix: use a shorter name/,
    );
  });

  test('refuses characters Secrets Manager does not allow in secretName', () => {
    const stack = newStack();
    expect(() => new AppSecret(stack, 'Bad', { name: 'key', secretName: 'billing stripe' })).toThrow(
      "AppSecret 'Shop/Bad': secretName 'billing stripe' contains characters Secrets Manager does not allow (only A-Z a-z 0-9 / _ + = . @ - are allowed). Fix: remove or replace the other characters",
    );
  });

  test('refuses an environment containing a slash', () => {
    const stack = newStack();
    expect(() => new AppSecret(stack, 'Key', { name: 'key', environment: 'prod/eu' })).toThrow(
      "AppSecret 'Shop/Key': environment 'prod/eu' is not a valid environment name (1 to 64 of A-Z a-z 0-9 _ + = . @ -, starting with a letter or digit, no '/'). Fix: use a name such as 'dev' or 'prod'",
    );
  });

  test('refuses a context environment that is not a string', () => {
    const app = new App({ context: { [AppSecret.ENVIRONMENT_CONTEXT_KEY]: { name: 'prod' } } });
    const stack = newStack(app);
    expect(() => new AppSecret(stack, 'Key', { name: 'key' })).toThrow(
      "AppSecret 'Shop/Key': context 'cdk-app-secrets:environment' is {\"name\":\"prod\"}, not a string",
    );
  });

  test('warns about a name that ends like the random suffix of an ARN', () => {
    const stack = newStack();
    new AppSecret(stack, 'Key', { name: 'api-abc123', environment: 'prod' });
    Annotations.fromStack(stack).hasWarning('/Shop/Key', Match.stringLikeRegexp("'Shop/prod/api-abc123' ends with '-' and six characters"));
  });

  test('does not warn about an ordinary name', () => {
    const stack = newStack();
    new AppSecret(stack, 'Key', { name: 'stripe-api-key', environment: 'prod' });
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('passes an unresolved secretName through untouched', () => {
    const stack = newStack();
    const fromParameter = Token.asString({ Ref: 'SecretNameParameter' });
    const secret = new AppSecret(stack, 'Key', { name: 'key', secretName: fromParameter });
    secret.grantRead(newFunction(stack));
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::Secret', { Name: { Ref: 'SecretNameParameter' } });
    expect(functionEnvironment(stack)).toEqual({ KEY_SECRET_NAME: { Ref: 'SecretNameParameter' } });
  });

  test('refuses an unresolved logical name, because the environment variable key is derived from it at synth', () => {
    const stack = newStack();
    expect(() => new AppSecret(stack, 'Key', { name: Token.asString({ Ref: 'X' }), environment: 'prod' })).toThrow(
      /name is an unresolved token, but the environment variable key is derived from it at synth time/,
    );
  });
});

describe('value', () => {
  test('defaults to a generated placeholder that carries the marker the runtime recognises', () => {
    const stack = newStack();
    new AppSecret(stack, 'Key', { name: 'key', environment: 'prod' });
    const generate = Template.fromStack(stack).findResources('AWS::SecretsManager::Secret');
    const { GenerateSecretString } = Object.values(generate)[0].Properties;
    expect(Object.keys(JSON.parse(GenerateSecretString.SecretStringTemplate))).toEqual([PLACEHOLDER_MARKER_KEY]);
    expect(GenerateSecretString.GenerateStringKey).toBe('random');
  });

  test('uses generateSecretString as given, without the placeholder marker', () => {
    const stack = newStack();
    new AppSecret(stack, 'Key', { name: 'db-password', environment: 'prod', generateSecretString: { passwordLength: 40 } });
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 40, SecretStringTemplate: Match.absent() },
    });
  });

  test('builds a JSON multi-key secret from deploy-time references', () => {
    const stack = newStack();
    new AppSecret(stack, 'Db', {
      name: 'db',
      environment: 'prod',
      secretObjectValue: { password: SecretValue.ssmSecure('/db/password') },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::Secret', {
      SecretString: '{"password":"{{resolve:ssm-secure:/db/password}}"}',
      GenerateSecretString: Match.absent(),
    });
  });

  test('refuses a plain-text value in secretObjectValue, which would land in the template', () => {
    const stack = newStack();
    expect(() => new AppSecret(stack, 'Db', {
      name: 'db',
      environment: 'prod',
      secretObjectValue: { password: SecretValue.unsafePlainText('hunter2') },
    })).toThrow("AppSecret 'Shop/Db': secretObjectValue.password is plain text, which would be written into the CloudFormation template. Fix: use a value resolved at deploy time");
  });

  test('refuses an empty secretObjectValue', () => {
    const stack = newStack();
    expect(() => new AppSecret(stack, 'Db', { name: 'db', environment: 'prod', secretObjectValue: {} }))
      .toThrow("AppSecret 'Shop/Db': secretObjectValue is empty");
  });

  test('refuses generateSecretString and secretObjectValue together', () => {
    const stack = newStack();
    expect(() => new AppSecret(stack, 'Db', {
      name: 'db',
      environment: 'prod',
      generateSecretString: {},
      secretObjectValue: { password: SecretValue.ssmSecure('/db/password') },
    })).toThrow("AppSecret 'Shop/Db': generateSecretString and secretObjectValue are both set, but a secret has one value. Fix: keep one of them");
  });

  test('adds a stack output with the physical name and the command that sets the value', () => {
    const stack = newStack();
    new AppSecret(stack, 'Key', { name: 'stripe-api-key', environment: 'prod' });
    const outputs = Object.values(Template.fromStack(stack).findOutputs('*'));
    expect(outputs).toEqual([{
      Value: 'Shop/prod/stripe-api-key',
      Description: "Physical name of secret 'stripe-api-key'. Set its value with: npx cdk-app-secrets set stripe-api-key --stack Shop (or aws secretsmanager put-secret-value --secret-id Shop/prod/stripe-api-key --secret-string <value>)",
    }]);
  });

  test('fails synth when the name outputs would pass CloudFormation\'s 200 outputs per stack', () => {
    const app = new App();
    const stack = newStack(app);
    for (let i = 0; i < 201; i++) new AppSecret(stack, `S${i}`, { name: `s${i}`, environment: 'prod' });
    expect(() => app.synth()).toThrow(
      "AppSecret: stack 'Shop' has 201 outputs, over CloudFormation's limit of 200; 201 of them are AppSecret name outputs. Fix: set nameOutput: false on AppSecrets",
    );
  });

  test('adds no stack output when nameOutput is false', () => {
    const stack = newStack();
    new AppSecret(stack, 'Key', { name: 'stripe-api-key', environment: 'prod', nameOutput: false });
    expect(Template.fromStack(stack).findOutputs('*')).toEqual({});
  });
});

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

  test('keeps the role policy to three merged statements and under IAM\'s size limit with 100 secrets on one function', () => {
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
    expect(document.Statement).toHaveLength(3);
    expect(document.Statement[0].Resource).toHaveLength(100);
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

  test('grants no kms permission for a secret under the AWS managed key', () => {
    const stack = newStack();
    new AppSecret(stack, 'Secret', { name: 'k', environment: 'prod' }).grantRead(newFunction(stack));
    expect(JSON.stringify(policyStatements(stack))).not.toContain('kms:');
  });

  test('limits the grant to the given version stages', () => {
    const stack = newStack();
    new AppSecret(stack, 'Secret', { name: 'k', environment: 'prod' }).grantRead(newFunction(stack), ['AWSCURRENT']);
    expect(policyStatements(stack)[0].Condition).toEqual({ 'ForAnyValue:StringEquals': { 'secretsmanager:VersionStage': ['AWSCURRENT'] } });
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

  test('refuses another account when the secret uses the AWS managed key, which cannot be shared', () => {
    const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'eu-west-1' });
    const secret = new AppSecret(stack, 'Secret', { name: 'k', environment: 'prod' });
    expect(() => secret.grantRead(new iam.AccountPrincipal('222222222222'))).toThrow(
      "AppSecret 'Shop/Secret': encryptionKey is not set, but grantRead was called for account 222222222222, and the AWS managed key cannot be used from another account. Fix: set encryptionKey to a customer-managed kms.Key",
    );
  });
});

describe('options', () => {
  test('retains the secret by default, so a value set by hand survives a stack deletion', () => {
    const stack = newStack();
    new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' });
    Template.fromStack(stack).hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('deletes the secret with the stack when removalPolicy is DESTROY', () => {
    const stack = newStack();
    new AppSecret(stack, 'Key', { name: 'k', environment: 'prod', removalPolicy: RemovalPolicy.DESTROY });
    Template.fromStack(stack).hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
  });

  test('passes description, tags and replica regions to the secret', () => {
    const stack = newStack();
    new AppSecret(stack, 'Key', {
      name: 'k',
      environment: 'prod',
      description: 'Stripe API key',
      tags: { team: 'payments' },
      replicaRegions: [{ region: 'eu-west-1' }],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: 'Stripe API key',
      Tags: [{ Key: 'team', Value: 'payments' }],
      ReplicaRegions: [{ Region: 'eu-west-1' }],
    });
  });

  test('adds a rotation schedule with a hosted rotation', () => {
    const stack = newStack();
    const secret = new AppSecret(stack, 'Key', { name: 'db', environment: 'prod' });
    secret.addRotationSchedule('Rotation', { hostedRotation: secretsmanager.HostedRotation.mysqlSingleUser(), automaticallyAfter: Duration.days(30) });
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: Match.stringLikeRegexp('^Key') },
      HostedRotationLambda: { RotationType: 'MySQLSingleUser' },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
  });

  test('composes with CDK as an ISecret: a dynamic reference to one JSON key', () => {
    const stack = newStack();
    const secret: secretsmanager.ISecret = new AppSecret(stack, 'Key', { name: 'db', environment: 'prod' });
    const [, [, ref, suffix]] = stack.resolve(secret.secretValueFromJson('password').unsafeUnwrap())['Fn::Join'];
    expect(ref).toEqual({ Ref: expect.stringMatching(/^Key/) });
    expect(suffix).toBe(':SecretString:password::}}');
  });
});

describe('imported secrets', () => {
  test('wire and grant like secrets created here', () => {
    const stack = newStack();
    const fn = newFunction(stack);
    const legacy = AppSecret.fromSecretName(stack, 'Legacy', { secretName: 'legacy/stripe', name: 'stripe-api-key' });
    legacy.grantRead(fn);
    expect(functionEnvironment(stack)).toEqual({ STRIPE_API_KEY_SECRET_NAME: 'legacy/stripe' });
    expect(policyStatements(stack)[0]).toEqual({
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      Effect: 'Allow',
      Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:legacy/stripe-??????' },
    });
    Template.fromStack(stack).resourceCountIs('AWS::SecretsManager::Secret', 0);
  });

  test('derive the key from the secret name when no logical name is given', () => {
    const stack = newStack();
    expect(AppSecret.fromSecretName(stack, 'Legacy', { secretName: 'legacy/stripe' }).envKey).toBe('LEGACY_STRIPE_SECRET_NAME');
  });

  test('grant kms:Decrypt on the given key', () => {
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/abc');
    AppSecret.fromSecretName(stack, 'Legacy', { secretName: 'legacy/stripe', encryptionKey: key }).grantRead(newFunction(stack));
    expect(policyStatements(stack)).toContainEqual(expect.objectContaining({ Action: 'kms:Decrypt', Resource: 'arn:aws:kms:eu-west-1:111111111111:key/abc' }));
  });

  test('refuse an invalid secret name', () => {
    const stack = newStack();
    expect(() => AppSecret.fromSecretName(stack, 'Legacy', { secretName: 'legacy stripe' })).toThrow(
      "AppSecret 'Shop/Legacy': secretName 'legacy stripe' contains characters Secrets Manager does not allow",
    );
  });
});
