/*
 * Silent mistakes AppSecret turns into synth-time errors and warnings (issue 9, items 7 to 10),
 * and the forward-compatible class design.
 */
import { App, Aspects, CfnResource, Annotations as CoreAnnotations, Duration, SecretValue, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks, NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { AppSecret, SecretEnvironmentGuard } from '../lib';
import { functionEnvironment, newFunction, newStack, policyStatements } from './support/synth';

describe('grantees that are Lambda functions but not lambda.Function', () => {
  test('a SingletonFunction gets the variable on its one function', () => {
    const stack = newStack();
    const singleton = new lambda.SingletonFunction(stack, 'Singleton', {
      uuid: 'f7d4f730-4ee1-11e8-9c2d-fa7ae01bbebc',
      runtime: lambda.Runtime.NODEJS_20_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {}'),
    });
    new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' }).grantRead(singleton);
    expect(functionEnvironment(stack, 'SingletonLambda')).toEqual({ K_SECRET_NAME: 'Shop/prod/k' });
  });

  test.each([
    ['fn.currentVersion', (fn: lambda.Function) => fn.currentVersion],
    ['a lambda.Alias', (fn: lambda.Function) => new lambda.Alias(fn, 'Live', { aliasName: 'live', version: fn.currentVersion })],
    ['fn.latestVersion', (fn: lambda.Function) => fn.latestVersion],
    ['a lambda.Version', (fn: lambda.Function) => new lambda.Version(fn, 'V1', { lambda: fn })],
  ])('%s gets the variable on the function it runs', (_, qualify) => {
    const stack = newStack();
    const fn = newFunction(stack);
    new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' }).grantRead(qualify(fn));
    expect(functionEnvironment(stack)).toEqual({ K_SECRET_NAME: 'Shop/prod/k' });
    expect(policyStatements(stack)).toContainEqual(expect.objectContaining({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] }));
  });

  test('a version published before (fromVersionAttributes) gets a warning that the variable reaches only versions published after it', () => {
    const stack = newStack();
    const fn = newFunction(stack);
    const published = lambda.Version.fromVersionAttributes(stack, 'V1', { version: '1', lambda: fn });
    new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' }).grantRead(new lambda.Alias(stack, 'Live', { aliasName: 'live', version: published }));
    Annotations.fromStack(stack).hasWarning('/Shop/Key', Match.stringLikeRegexp(
      "grantRead was given 'Shop/Live', which runs version 1 of function 'Shop/Fn', published before this app wrote 'K_SECRET_NAME' into the function: " +
      'a published version keeps the environment it was published with.*Fix: .*fn.currentVersion',
    ));
  });

  test('fn.currentVersion, an alias of it and fn.latestVersion, which get the variable, give no warning about published versions', () => {
    const stack = newStack();
    const fn = newFunction(stack);
    const secret = new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' });
    for (const grantee of [fn.currentVersion, fn.addAlias('live'), fn.latestVersion]) secret.grantRead(grantee);
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('an imported function gets the grant and a warning that no variable could be written', () => {
    const stack = newStack();
    const imported = lambda.Function.fromFunctionAttributes(stack, 'Imported', {
      functionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:legacy',
      role: newFunction(stack, 'Other').role,
    });
    new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' }).grantRead(imported);
    Annotations.fromStack(stack).hasWarning('/Shop/Key', Match.stringLikeRegexp(
      "grantRead gave 'Shop/Imported' read access, but it is a Lambda function defined outside this app.*no environment variable was written.*Fix: set K_SECRET_NAME=Shop/prod/k in that function's environment",
    ));
  });
  test('a Lambda@Edge function gets the grant and a warning, but no variable, which Lambda@Edge refuses', () => {
    const app = new App();
    const stack = newStack(app, 'Shop', { account: '111111111111', region: 'us-east-1' });
    const edge = newEdgeFunction(stack);
    new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' }).grantRead(edge);
    app.synth();
    expect(functionEnvironment(stack, 'Edge')).toEqual({});
    expect(policyStatements(stack)).toContainEqual(expect.objectContaining({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] }));
    Annotations.fromStack(stack).hasWarning('/Shop/Key', Match.stringLikeRegexp(
      "grantRead gave 'Shop/Edge' read access, but it is a Lambda@Edge function, which cannot have environment variables.*Fix: .*arn:aws:secretsmanager:us-east-1:111111111111:secret:Shop/prod/k",
    ));
  });

  test('a lambda.Function a CloudFront distribution runs as Lambda@Edge fails synth with the fix: grant its role, read the ARN', () => {
    const app = new App();
    const stack = newStack(app, 'Shop', { account: '111111111111', region: 'us-east-1' });
    const fn = newFunction(stack);
    new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' }).grantRead(fn);
    new cloudfront.Distribution(stack, 'Cdn', {
      defaultBehavior: {
        origin: new origins.HttpOrigin('example.com'),
        edgeLambdas: [{ functionVersion: fn.currentVersion, eventType: cloudfront.LambdaEdgeEventType.VIEWER_REQUEST }],
      },
    });
    expect(() => app.synth()).toThrow(
      "AppSecret 'Shop/Key': envKey 'K_SECRET_NAME' cannot be written into function 'Shop/Fn', which runs as Lambda@Edge (a CloudFront distribution uses its version), " +
      'and Lambda@Edge functions cannot have environment variables. Fix: grant the function\'s role instead, secret.grantRead(fn.role!), which grants read access without the variable, ' +
      'and read the secret in the handler by its ARN, arn:aws:secretsmanager:us-east-1:111111111111:secret:Shop/prod/k (Lambda@Edge runs in many regions; the ARN reads the secret from its own)',
    );
  });

  test('the role of a lambda.Function a CloudFront distribution runs as Lambda@Edge gets the grant and no variable, as that error advises', () => {
    const app = new App();
    const stack = newStack(app, 'Shop', { account: '111111111111', region: 'us-east-1' });
    const fn = newFunction(stack);
    new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' }).grantRead(fn.role!);
    new cloudfront.CloudFrontWebDistribution(stack, 'Cdn', {
      originConfigs: [{
        customOriginSource: { domainName: 'example.com' },
        behaviors: [{
          isDefaultBehavior: true,
          lambdaFunctionAssociations: [{ lambdaFunction: fn.currentVersion, eventType: cloudfront.LambdaEdgeEventType.VIEWER_REQUEST }],
        }],
      }],
    });
    app.synth();
    expect(functionEnvironment(stack)).toEqual({});
    expect(policyStatements(stack)).toContainEqual(expect.objectContaining({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] }));
  });

  test('a Lambda@Edge function defined outside us-east-1 (its role in CDK\'s us-east-1 stack) may decrypt a secret under a key of the secret\'s stack', () => {
    const app = new App();
    const stack = newStack(app, 'Web', { account: '111111111111', region: 'eu-west-1' });
    const edge = newEdgeFunction(stack);
    new AppSecret(stack, 'Key', { name: 'k', environment: 'prod', encryptionKey: new kms.Key(stack, 'Cmk') }).grantRead(edge);
    const assembly = app.synth();
    const edgeStack = assembly.stacks.find((s) => s.stackName.startsWith('edge-lambda-stack'))!;
    expect(JSON.stringify(edgeStack.template)).toContain('arn:aws:kms:eu-west-1:111111111111:key/*');
  });

  test('a construct of the user\'s own that exposes a lambda property is not taken for a Lambda@Edge function', () => {
    const app = new App();
    const stack = newStack(app);
    const fn = newFunction(stack, 'Inner');
    class Api extends Construct implements iam.IGrantable {
      public readonly lambda = fn;
      public readonly grantPrincipal = fn.grantPrincipal;
    }
    new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' }).grantRead(new Api(stack, 'Api'));
    app.synth();
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('Lambda@Edge'));
    expect(warnings).toEqual([]);
  });

  test('a function imported by ARN without a role gets a warning for each, instead of a crash', () => {
    const app = new App();
    const stack = newStack(app);
    const imported = lambda.Function.fromFunctionArn(stack, 'Imported', 'arn:aws:lambda:eu-west-1:111111111111:function:legacy');
    const grant = new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' }).grantRead(imported);
    expect(grant.success).toBe(true);
    app.synth();
    Annotations.fromStack(stack).hasWarning('/Shop/Key', Match.stringLikeRegexp("grantRead gave 'Shop/Imported' read access.*Fix: set K_SECRET_NAME=Shop/prod/k"));
    // CDK's own warning on the imported function says which statements to add to its role.
    Annotations.fromStack(stack).hasWarning('/Shop/Imported', Match.stringLikeRegexp('secretsmanager:GetSecretValue'));
  });

  test('a function imported from another region is told to set the secret\'s ARN, since the name finds nothing there', () => {
    const app = new App();
    const stack = newStack(app, 'Shop', { account: '111111111111', region: 'us-east-1' });
    const imported = lambda.Function.fromFunctionAttributes(stack, 'Imported', {
      functionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:legacy',
      role: iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::111111111111:role/legacy'),
    });
    new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' }).grantRead(imported);
    Annotations.fromStack(stack).hasWarning('/Shop/Key', Match.stringLikeRegexp(
      "grantRead gave 'Shop/Imported' read access.*Fix: set K_SECRET_NAME=arn:aws:secretsmanager:us-east-1:111111111111:secret:Shop/prod/k in that function's environment",
    ));
  });
});

describe('overwrites', () => {
  test('an envKey the function already sets fails synth, naming both origins but neither value', () => {
    const stack = newStack();
    const fn = newFunction(stack, 'Fn', { environment: { STRIPE: 'sk_live_do_not_print' } });
    const secret = new AppSecret(stack, 'Key', { name: 'stripe-api-key', environment: 'prod', envKey: 'STRIPE' });
    let message = '';
    try {
      secret.grantRead(fn);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe("AppSecret 'Shop/Key': envKey 'STRIPE' is already set on function 'Shop/Fn' by the function itself (its environment prop or an earlier addEnvironment), " +
      "and grantRead would replace it with this secret's name. Fix: choose another envKey for this secret, or rename the function's own variable");
    expect(message).not.toContain('sk_live');
  });

  test('a function that already sets the envKey to this secret\'s own name (code written before AppSecret) is granted, and keeps that name', () => {
    const app = new App();
    const stack = newStack(app);
    const secret = new AppSecret(stack, 'Key', { name: 'stripe-api-key', environment: 'prod' });
    const fn = newFunction(stack, 'Fn', { environment: { STRIPE_API_KEY_SECRET_NAME: secret.secretName } });
    expect(() => secret.grantRead(fn)).not.toThrow();
    app.synth();
    expect(functionEnvironment(stack).STRIPE_API_KEY_SECRET_NAME).toEqual(Stack.of(fn).resolve(secret.secretName));
  });

  test('an addEnvironment with the same key after grantRead fails synth, naming both origins but neither value', () => {
    const app = new App();
    const stack = newStack(app);
    const fn = newFunction(stack);
    new AppSecret(stack, 'Key', { name: 'stripe-api-key', environment: 'prod' }).grantRead(fn);
    fn.addEnvironment('STRIPE_API_KEY_SECRET_NAME', 'sk_live_do_not_print');
    let message = '';
    try {
      app.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(
      "AppSecret 'Shop/Key': envKey 'STRIPE_API_KEY_SECRET_NAME' on function 'Shop/Fn' was written by grantRead with this secret's name, " +
      "then replaced by a later addEnvironment('STRIPE_API_KEY_SECRET_NAME', ...) on the function",
    );
    expect(message).not.toContain('sk_live');
  });
});

describe('secret values in Lambda environments', () => {
  const plainFunction = { role: 'arn:aws:iam::123456789012:role/r', code: { zipFile: 'exports.handler = 1' }, runtime: 'nodejs20.x', handler: 'index.handler' };
  const leak = (stack: Stack, fn: lambda.Function) => {
    const other = new AppSecret(stack, 'Other', { name: 'other', environment: 'prod' });
    fn.addEnvironment('OTHER_VALUE', other.secretValue.unsafeUnwrap());
  };

  test('fail synth for a function AppSecret wires, with the fix', () => {
    const app = new App();
    const stack = newStack(app);
    const fn = newFunction(stack);
    new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' }).grantRead(fn);
    leak(stack, fn);
    expect(() => app.synth()).toThrow(
      "AppSecret guard: function 'Shop/Fn' environment.OTHER_VALUE holds a Secrets Manager dynamic reference, which CloudFormation resolves into the function's configuration, " +
      'where anyone who may read the function sees the secret value. Fix: grant the secret instead (appSecret.grantRead(fn) writes its name) and read it at run time with getSecrets; ' +
      "if this is intended, call SecretEnvironmentGuard.allow(fn) for 'Shop/Fn'.",
    );
  });

  test('fail synth for any function of the app with the guard added in one line', () => {
    const app = new App();
    const stack = newStack(app);
    Aspects.of(app).add(new SecretEnvironmentGuard());
    const fn = newFunction(stack, 'Plain');
    fn.addEnvironment('DB_PASSWORD', SecretValue.ssmSecure('/db/password').unsafeUnwrap());
    expect(() => app.synth()).toThrow("function 'Shop/Plain' environment.DB_PASSWORD holds an SSM SecureString dynamic reference");
  });

  test('fail synth for a lambda.CfnFunction of the app, naming that function, not its stack', () => {
    const app = new App();
    const stack = newStack(app);
    Aspects.of(app).add(new SecretEnvironmentGuard());
    new lambda.CfnFunction(stack, 'Plain', {
      ...plainFunction,
      environment: { variables: { DB_PASSWORD: SecretValue.ssmSecure('/db/password').unsafeUnwrap() } },
    });
    expect(() => app.synth()).toThrow("AppSecret guard: function 'Shop/Plain' environment.DB_PASSWORD holds an SSM SecureString dynamic reference");
  });

  test('fail synth for a reference put in with an escape hatch (addPropertyOverride), which CloudFormation deploys all the same', () => {
    const app = new App();
    const stack = newStack(app);
    Aspects.of(app).add(new SecretEnvironmentGuard());
    const wired = newFunction(stack);
    const other = new AppSecret(stack, 'Other', { name: 'other', environment: 'prod' });
    other.grantRead(wired);
    (wired.node.defaultChild as lambda.CfnFunction).addPropertyOverride('Environment.Variables.OTHER_VALUE', other.secretValue.unsafeUnwrap());
    const plain = new lambda.CfnFunction(stack, 'Plain', plainFunction);
    plain.addPropertyOverride('Environment', { Variables: { DB_PASSWORD: SecretValue.ssmSecure('/db/password').unsafeUnwrap() } });
    let message = '';
    try {
      app.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("AppSecret guard: function 'Shop/Fn' environment.OTHER_VALUE holds a Secrets Manager dynamic reference");
    expect(message).toContain("AppSecret guard: function 'Shop/Plain' environment.DB_PASSWORD holds an SSM SecureString dynamic reference");
  });

  test('are left alone in functions AppSecret does not wire, without the app-wide guard', () => {
    const app = new App();
    const stack = newStack(app);
    leak(stack, newFunction(stack));
    expect(() => app.synth()).not.toThrow();
  });

  test('are allowed for one function that opts out', () => {
    const app = new App();
    const stack = newStack(app);
    Aspects.of(app).add(new SecretEnvironmentGuard());
    const fn = newFunction(stack);
    new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' }).grantRead(fn);
    leak(stack, fn);
    SecretEnvironmentGuard.allow(fn);
    expect(() => app.synth()).not.toThrow();
  });

  test('are allowed for a SingletonFunction that opts out, though its function is not its child', () => {
    const app = new App();
    const stack = newStack(app);
    Aspects.of(app).add(new SecretEnvironmentGuard());
    const singleton = new lambda.SingletonFunction(stack, 'Singleton', {
      uuid: 'f7d4f730-4ee1-11e8-9c2d-fa7ae01bbebc', runtime: lambda.Runtime.NODEJS_20_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}'),
    });
    const other = new AppSecret(stack, 'Other', { name: 'other', environment: 'prod' });
    singleton.addEnvironment('OTHER_VALUE', other.secretValue.unsafeUnwrap());
    SecretEnvironmentGuard.allow(singleton);
    expect(() => app.synth()).not.toThrow();
  });
});

describe('the placeholder where a structured value is required', () => {
  test('a hosted rotation of the placeholder fails synth with the generateSecretString that fixes it', () => {
    const stack = newStack();
    const secret = new AppSecret(stack, 'Db', { name: 'db', environment: 'prod' });
    expect(() => secret.addRotationSchedule('Rotation', { hostedRotation: secretsmanager.HostedRotation.mysqlSingleUser(), automaticallyAfter: Duration.days(30) })).toThrow(
      "AppSecret 'Shop/Db': generateSecretString is not set, so the secret starts as the placeholder, but a hosted rotation needs the JSON keys username and password " +
      '(missing: username, password); the first rotation would fail. Fix: give the secret its keys from the start: ' +
      "generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'admin' }), generateStringKey: 'password', excludePunctuation: true }",
    );
  });

  test('a hosted rotation of a generated plain string fails synth too', () => {
    const stack = newStack();
    const secret = new AppSecret(stack, 'Db', { name: 'db', environment: 'prod', generateSecretString: { passwordLength: 32 } });
    expect(() => secret.addRotationSchedule('Rotation', { hostedRotation: secretsmanager.HostedRotation.postgreSqlSingleUser() }))
      .toThrow("AppSecret 'Shop/Db': generateSecretString gives a plain string, not JSON, but a hosted rotation needs the JSON keys username and password");
  });

  test('a hosted rotation of username and password alone fails synth while no database is attached, since the rotation also reads host and engine', () => {
    const app = new App();
    const secret = new AppSecret(newStack(app), 'Db', {
      name: 'db', environment: 'prod', generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'admin' }), generateStringKey: 'password' },
    });
    secret.addRotationSchedule('Rotation', { hostedRotation: secretsmanager.HostedRotation.postgreSqlSingleUser() });
    expect(() => app.synth()).toThrow(
      "AppSecret 'Shop/Db': generateSecretString gives the keys username, password, but a hosted rotation also connects with the JSON keys host and engine (missing: host, engine), " +
      'which an attachment to the database adds, and the secret is attached to none; every rotation would fail. ' +
      'Fix: attach the secret to its database (secret.attach(database), or create the database with rds.Credentials.fromSecret(secret)), ' +
      'or, for a database outside this app, add host and engine to secretStringTemplate',
    );
  });

  test('a hosted rotation of a secret attached to its database, or whose template names host and engine, passes synth', () => {
    const app = new App();
    const stack = newStack(app);
    const generateSecretString = { secretStringTemplate: JSON.stringify({ username: 'admin' }), generateStringKey: 'password', excludePunctuation: true };
    const attached = new AppSecret(stack, 'Attached', { name: 'attached', environment: 'prod', generateSecretString });
    attached.addRotationSchedule('Rotation', { hostedRotation: secretsmanager.HostedRotation.postgreSqlSingleUser() });
    new rds.DatabaseInstance(stack, 'Database', { engine: rds.DatabaseInstanceEngine.POSTGRES, vpc: new ec2.Vpc(stack, 'Vpc'), credentials: rds.Credentials.fromSecret(attached) });
    const outside = new AppSecret(stack, 'Outside', {
      name: 'outside',
      environment: 'prod',
      generateSecretString: { ...generateSecretString, secretStringTemplate: JSON.stringify({ username: 'admin', host: 'db.example.com', engine: 'postgres' }) },
    });
    outside.addRotationSchedule('Rotation', { hostedRotation: secretsmanager.HostedRotation.postgreSqlSingleUser() });
    expect(() => app.synth()).not.toThrow();
  });

  test('a hosted rotation of a secret whose template is a token (Stack.toJsonString, for an endpoint in it) passes synth: its keys are unknown, not missing', () => {
    const app = new App();
    const stack = newStack(app);
    const database = new rds.DatabaseInstance(stack, 'Database', { engine: rds.DatabaseInstanceEngine.POSTGRES, vpc: new ec2.Vpc(stack, 'Vpc') });
    const secret = new AppSecret(stack, 'Db', {
      name: 'db',
      environment: 'prod',
      generateSecretString: {
        secretStringTemplate: stack.toJsonString({ username: 'app', engine: 'postgres', host: database.dbInstanceEndpointAddress }),
        generateStringKey: 'password',
        excludePunctuation: true,
      },
    });
    secret.addRotationSchedule('Rotation', { hostedRotation: secretsmanager.HostedRotation.postgreSqlSingleUser() });
    expect(() => app.synth()).not.toThrow();
  });

  test('a hosted rotation that waits for its schedule only warns about missing host and engine, since a value may be set by hand first', () => {
    const stack = newStack();
    const secret = new AppSecret(stack, 'Db', {
      name: 'db', environment: 'prod', generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'admin' }), generateStringKey: 'password' },
    });
    secret.addRotationSchedule('Rotation', { hostedRotation: secretsmanager.HostedRotation.mysqlSingleUser(), rotateImmediatelyOnUpdate: false });
    Annotations.fromStack(stack).hasWarning('/Shop/Db/Resource', Match.stringLikeRegexp('a hosted rotation also connects with the JSON keys host and engine .*cdk-app-secrets:rotation-needs-structured-value'));
    const acknowledged = newStack(new App());
    const other = new AppSecret(acknowledged, 'Db', {
      name: 'db', environment: 'prod', generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'admin' }), generateStringKey: 'password' },
    });
    other.addRotationSchedule('Rotation', { hostedRotation: secretsmanager.HostedRotation.mysqlSingleUser(), rotateImmediatelyOnUpdate: false });
    CoreAnnotations.of(other).acknowledgeWarning('cdk-app-secrets:rotation-needs-structured-value');
    Annotations.fromStack(acknowledged).hasNoWarning('*', Match.anyValue());
  });

  test('rds.Credentials.fromSecret of the placeholder fails synth, since the database would find no password', () => {
    const stack = newStack();
    const secret = new AppSecret(stack, 'Db', { name: 'db', environment: 'prod' });
    expect(() => rds.Credentials.fromSecret(secret)).toThrow(
      "AppSecret 'Shop/Db': generateSecretString is not set, so the secret starts as the placeholder, which has no JSON key 'username'; " +
      "a dynamic reference to it (secretValueFromJson('username'), rds.Credentials.fromSecret) fails the first deploy. Fix: give the secret its keys from the start",
    );
  });

  test('rds.Credentials.fromSecret of a generated plain string fails synth too, since a plain string has no JSON keys', () => {
    const stack = newStack();
    const secret = new AppSecret(stack, 'Db', { name: 'db', environment: 'prod', generateSecretString: { passwordLength: 32 } });
    expect(() => rds.Credentials.fromSecret(secret)).toThrow(
      "AppSecret 'Shop/Db': generateSecretString gives a plain string, not JSON, which has no JSON key 'username'; " +
      "a dynamic reference to it (secretValueFromJson('username'), rds.Credentials.fromSecret) fails the first deploy. Fix: give the secret its keys from the start",
    );
    expect(() => secret.secretValue).not.toThrow();
  });

  test('db.secret of a database made with rds.Credentials.fromSecret grants and wires a reader like the AppSecret itself', () => {
    const stack = newStack();
    const secret = new AppSecret(stack, 'Db', {
      name: 'db-credentials',
      environment: 'prod',
      generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'admin' }), generateStringKey: 'password', excludePunctuation: true },
    });
    const db = new rds.DatabaseInstance(stack, 'Database', {
      engine: rds.DatabaseInstanceEngine.POSTGRES, vpc: new ec2.Vpc(stack, 'Vpc'), credentials: rds.Credentials.fromSecret(secret),
    });
    const fn = newFunction(stack);
    db.secret!.grantRead(fn);
    expect(functionEnvironment(stack)).toEqual({ DB_CREDENTIALS_SECRET_NAME: 'Shop/prod/db-credentials' });
    expect(policyStatements(stack)).toContainEqual({ Action: 'secretsmanager:BatchGetSecretValue', Effect: 'Allow', Resource: '*' });
    expect(() => secret.attach(db)).toThrow('Secret is already attached to a target.');
  });

  test('db.secret of a database made with rds.Credentials.fromSecret of an imported AppSecret grants and wires a reader like the imported secret', () => {
    const stack = newStack();
    const secret = AppSecret.fromSecretName(stack, 'Db', { secretName: 'legacy/db', name: 'db-credentials' });
    const db = new rds.DatabaseInstance(stack, 'Database', {
      engine: rds.DatabaseInstanceEngine.POSTGRES, vpc: new ec2.Vpc(stack, 'Vpc'), credentials: rds.Credentials.fromSecret(secret),
    });
    const fn = newFunction(stack);
    db.secret!.grantRead(fn);
    expect(functionEnvironment(stack)).toEqual({ DB_CREDENTIALS_SECRET_NAME: 'legacy/db' });
    expect(policyStatements(stack)).toContainEqual({ Action: 'secretsmanager:BatchGetSecretValue', Effect: 'Allow', Resource: '*' });
    expect(() => secret.attach(db)).toThrow('Secret is already attached to a target.');
  });

  test('a dynamic reference to a key the secret\'s JSON template or secretObjectValue lacks fails synth, since it would fail the first deploy', () => {
    const app = new App();
    const stack = newStack(app);
    const tokens = new AppSecret(stack, 'Tokens', { name: 'tokens', environment: 'prod', secretObjectValue: { token: SecretValue.secretsManager('partner/token') } });
    new CfnResource(stack, 'Thing', { type: 'Custom::Thing', properties: { Token: tokens.secretValueFromJson('tokne') } });
    expect(() => app.synth()).toThrow(
      "AppSecret 'Shop/Tokens': secretObjectValue gives the keys token, which do not include 'tokne'; a dynamic reference to it (secretValueFromJson('tokne')) fails the first deploy. " +
      "Fix: reference one of the keys it has, or add 'tokne' to secretObjectValue",
    );
  });

  test('a dynamic reference to a key a database attachment adds passes synth', () => {
    const app = new App();
    const stack = newStack(app);
    const secret = new AppSecret(stack, 'Db', {
      name: 'db', environment: 'prod', generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'admin' }), generateStringKey: 'password', excludePunctuation: true },
    });
    new rds.DatabaseInstance(stack, 'Database', { engine: rds.DatabaseInstanceEngine.POSTGRES, vpc: new ec2.Vpc(stack, 'Vpc'), credentials: rds.Credentials.fromSecret(secret) });
    new CfnResource(stack, 'Thing', { type: 'Custom::Thing', properties: { Host: secret.secretValueFromJson('host'), User: secret.secretValueFromJson('username') } });
    expect(() => app.synth()).not.toThrow();
  });

  test('rds.Credentials.fromSecret of a structured AppSecret gives a database its credentials', () => {
    const stack = newStack();
    const secret = new AppSecret(stack, 'Db', {
      name: 'db',
      environment: 'prod',
      generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'admin' }), generateStringKey: 'password', excludePunctuation: true },
    });
    const credentials = rds.Credentials.fromSecret(secret);
    new CfnResource(stack, 'Database', { type: 'Custom::Database', properties: { MasterUserPassword: credentials.password } });
    const [, database] = Object.entries(Template.fromStack(stack).findResources('Custom::Database'))[0];
    expect(JSON.stringify(database.Properties.MasterUserPassword)).toContain(':SecretString:password::}}');
  });
});

describe('a generated database password', () => {
  const generated = (extra: Partial<secretsmanager.SecretStringGenerator> = {}): secretsmanager.SecretStringGenerator =>
    ({ secretStringTemplate: JSON.stringify({ username: 'admin' }), generateStringKey: 'password', ...extra });

  test('with the characters RDS refuses (/ " @) warns at synth that creating the database would fail, with the excludeCharacters that fix it', () => {
    const stack = newStack();
    const secret = new AppSecret(stack, 'Db', { name: 'db', environment: 'prod', generateSecretString: generated() });
    new rds.DatabaseInstance(stack, 'Database', { engine: rds.DatabaseInstanceEngine.POSTGRES, vpc: new ec2.Vpc(stack, 'Vpc'), credentials: rds.Credentials.fromSecret(secret) });
    Annotations.fromStack(stack).hasWarning('/Shop/Db', Match.stringLikeRegexp(
      "AppSecret 'Shop/Db': generateSecretString generates the password of database 'Shop/Database' from characters that include '/', '\"' and '@', " +
      'which RDS refuses in a master password.*Fix: .*excludeCharacters.*excludePunctuation: true'));
  });

  test.each([
    ['excludePunctuation', { excludePunctuation: true }],
    ['excludeCharacters with / " @', { excludeCharacters: ' %+~`#$&*()|[]{}:;<>?!\'/@"\\' }],
  ])('with %s gives no warning for a database cluster either', (_, extra) => {
    const stack = newStack();
    const secret = new AppSecret(stack, 'Db', { name: 'db', environment: 'prod', generateSecretString: generated(extra) });
    new rds.DatabaseCluster(stack, 'Cluster', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_15_4 }),
      vpc: new ec2.Vpc(stack, 'Vpc'),
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      credentials: rds.Credentials.fromSecret(secret),
    });
    Annotations.fromStack(stack).hasNoWarning('/Shop/Db', Match.anyValue());
  });
});

describe('dynamic references to the placeholder', () => {
  const placeholderWarning = Match.stringLikeRegexp(
    "secretValue of 'Shop/Db' is a dynamic reference to a secret that starts as AppSecret's placeholder: CloudFormation puts in the value the secret holds " +
    'when it deploys the resource that uses it, which is the placeholder until a value is set.*Fix: .*grantRead.*getSecrets.*generateSecretString.*' +
    "npx cdk-app-secrets set db --stack Shop.*acknowledgeWarning\\('cdk-app-secrets:placeholder-reference'\\)");

  test('secretValue of the placeholder passed as a database password warns at synth that the placeholder would be deployed as the password', () => {
    const stack = newStack();
    const secret = new AppSecret(stack, 'Db', { name: 'db', environment: 'prod' });
    new rds.DatabaseInstance(stack, 'Database', {
      engine: rds.DatabaseInstanceEngine.POSTGRES, vpc: new ec2.Vpc(stack, 'Vpc'), credentials: rds.Credentials.fromPassword('admin', secret.secretValue),
    });
    Annotations.fromStack(stack).hasWarning('/Shop/Db', placeholderWarning);
  });

  test('secretValueFromJson of a key the placeholder has warns the same way', () => {
    const stack = newStack();
    const secret = new AppSecret(stack, 'Db', { name: 'db', environment: 'prod' });
    new CfnResource(stack, 'Thing', { type: 'Custom::Thing', properties: { Token: secret.secretValueFromJson('random') } });
    Annotations.fromStack(stack).hasWarning('/Shop/Db', Match.stringLikeRegexp("secretValueFromJson\\('random'\\) of 'Shop/Db' is a dynamic reference to a secret that starts as AppSecret's placeholder"));
  });

  test('secretValue of the placeholder is allowed once the warning is acknowledged, for a value set before the referencing resource deploys', () => {
    const stack = newStack();
    const secret = new AppSecret(stack, 'Db', { name: 'db', environment: 'prod' });
    new CfnResource(stack, 'Thing', { type: 'Custom::Thing', properties: { Token: secret.secretValue } });
    CoreAnnotations.of(secret).acknowledgeWarning('cdk-app-secrets:placeholder-reference');
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('secretValue of a generated or deploy-time value gives no warning', () => {
    const stack = newStack();
    const generated = new AppSecret(stack, 'Generated', { name: 'generated', environment: 'prod', generateSecretString: { passwordLength: 32 } });
    const objectValue = new AppSecret(stack, 'Object', { name: 'object', environment: 'prod', secretObjectValue: { token: SecretValue.secretsManager('other') } });
    new CfnResource(stack, 'Thing', { type: 'Custom::Thing', properties: { A: generated.secretValue, B: objectValue.secretValueFromJson('token') } });
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('the placeholder read by ECS when a container starts', () => {
  function taskReading(secret: AppSecret, field?: string): ecs.FargateTaskDefinition {
    const task = new ecs.FargateTaskDefinition(Stack.of(secret), 'Task');
    task.addContainer('App', { image: ecs.ContainerImage.fromRegistry('nginx'), secrets: { DB: ecs.Secret.fromSecretsManager(secret, field) } });
    return task;
  }

  test.each([
    ['the whole secret, which the container would get as its variable', undefined],
    ['a JSON field, without which the container does not start', 'password'],
  ])('warns at synth for %s, with the order of deploy and set that avoids it', (_, field) => {
    const stack = newStack();
    taskReading(new AppSecret(stack, 'Db', { name: 'db', environment: 'prod' }), field);
    Annotations.fromStack(stack).hasWarning('/Shop/Db', Match.stringLikeRegexp(
      "secret 'Shop/Db' is read by the ECS or AWS Batch agent with execution role 'Shop/Task/ExecutionRole' when a container starts, and it holds AppSecret's placeholder until a value is set.*" +
      'Fix: .*npx cdk-app-secrets set db --stack Shop.*acknowledgeWarning\\(\'cdk-app-secrets:placeholder-at-launch\'\\)'));
  });

  test('gives no warning for a secret CloudFormation generates, nor once acknowledged', () => {
    const stack = newStack();
    taskReading(new AppSecret(stack, 'Generated', { name: 'generated', environment: 'prod', generateSecretString: { passwordLength: 32 } }));
    const app2 = newStack(new App());
    const secret = new AppSecret(app2, 'Db', { name: 'db', environment: 'prod' });
    taskReading(secret);
    CoreAnnotations.of(secret).acknowledgeWarning('cdk-app-secrets:placeholder-at-launch');
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    Annotations.fromStack(app2).hasNoWarning('*', Match.anyValue());
  });

  test('gives no such warning for a task role, whose code reads the secret at run time', () => {
    const stack = newStack();
    new AppSecret(stack, 'Db', { name: 'db', environment: 'prod' }).grantRead(new ecs.FargateTaskDefinition(stack, 'Task').taskRole);
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('the placeholder read by a CodeBuild build', () => {
  function buildReading(scope: Construct, value: string): codebuild.Project {
    return new codebuild.Project(scope, 'Build', {
      buildSpec: codebuild.BuildSpec.fromObject({ version: '0.2', phases: { build: { commands: ['npm publish'] } } }),
      environmentVariables: { NPM_TOKEN: { type: codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER, value } },
    });
  }

  test.each([
    ['its name', (secret: AppSecret) => secret.secretName],
    ['its ARN', (secret: AppSecret) => secret.secretArn],
    ['a JSON key of it', (secret: AppSecret) => `${secret.secretArn}:token`],
  ])('by %s warns at synth, with the order of deploy and set that avoids it', (_, value) => {
    const stack = newStack();
    const secret = new AppSecret(stack, 'NpmToken', { name: 'npm-token', environment: 'prod' });
    buildReading(stack, value(secret));
    Annotations.fromStack(stack).hasWarning('/Shop/NpmToken/Resource', Match.stringLikeRegexp(
      "secret 'Shop/NpmToken' is read by CodeBuild project 'Shop/Build' \\(its SECRETS_MANAGER environment variable NPM_TOKEN\\) when a build starts, " +
      "and it holds AppSecret's placeholder until a value is set.*Fix: .*npx cdk-app-secrets set npm-token --stack Shop.*acknowledgeWarning\\('cdk-app-secrets:placeholder-in-build'\\)"));
  });

  test('in another stack, by name, warns the same way', () => {
    const app = new App();
    const secret = new AppSecret(newStack(app), 'NpmToken', { name: 'npm-token', environment: 'prod' });
    buildReading(newStack(app, 'Ci'), secret.secretName);
    Annotations.fromStack(Stack.of(secret)).hasWarning('/Shop/NpmToken/Resource', Match.stringLikeRegexp("is read by CodeBuild project 'Ci/Build'"));
  });

  test('gives no warning for a secret CloudFormation generates, for another secret, nor once acknowledged', () => {
    const stack = newStack();
    const generated = new AppSecret(stack, 'Generated', { name: 'generated', environment: 'prod', generateSecretString: { passwordLength: 32 } });
    const acknowledged = new AppSecret(stack, 'NpmToken', { name: 'npm-token', environment: 'prod' });
    new AppSecret(stack, 'Unread', { name: 'unread', environment: 'prod' });
    new codebuild.Project(stack, 'Build', {
      buildSpec: codebuild.BuildSpec.fromObject({ version: '0.2', phases: { build: { commands: ['npm publish'] } } }),
      environmentVariables: {
        A: { type: codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER, value: generated.secretName },
        B: { type: codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER, value: acknowledged.secretName },
        C: { value: 'Shop/prod/unread' },
      },
    });
    CoreAnnotations.of(acknowledged).acknowledgeWarning('cdk-app-secrets:placeholder-in-build');
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('a JSON key a CodeBuild build reads', () => {
  test('from a generated plain string, or missing from the secret\'s JSON template, fails synth, since every build would fail', () => {
    const app = new App();
    const stack = newStack(app);
    const plain = new AppSecret(stack, 'Plain', { name: 'plain', environment: 'prod', generateSecretString: { passwordLength: 32 } });
    const structured = new AppSecret(stack, 'Structured', {
      name: 'structured', environment: 'prod', generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'ci' }), generateStringKey: 'password' },
    });
    new codebuild.Project(stack, 'Build', {
      buildSpec: codebuild.BuildSpec.fromObject({ version: '0.2', phases: { build: { commands: ['npm publish'] } } }),
      environmentVariables: {
        A: { type: codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER, value: `${plain.secretName}:token` },
        B: { type: codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER, value: `${structured.secretArn}:pasword` },
        C: { type: codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER, value: `${structured.secretName}:password` },
      },
    });
    let message = '';
    try {
      app.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("AppSecret 'Shop/Plain': generateSecretString gives a plain string, not JSON, which has no JSON key 'token', " +
      "but CodeBuild project 'Shop/Build' reads that key (its SECRETS_MANAGER environment variable A), and a build whose secret lacks it fails. Fix:");
    expect(message).toContain("AppSecret 'Shop/Structured': generateSecretString gives the keys username, password, which do not include 'pasword', " +
      "but CodeBuild project 'Shop/Build' reads that key (its SECRETS_MANAGER environment variable B)");
    expect(message).not.toContain('variable C');
  });

  test('by name or ARN, in a stack of another region or account, names that region\'s secret, not this one, and passes synth', () => {
    const app = new App();
    const secret = new AppSecret(newStack(app, 'Shop', { account: '111111111111', region: 'eu-west-1' }), 'Db', {
      name: 'db', environment: 'prod', generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'ci' }), generateStringKey: 'password' },
    });
    for (const [id, env] of [['UsEast', { account: '111111111111', region: 'us-east-1' }], ['Other', { account: '222222222222', region: 'eu-west-1' }]] as const) {
      new codebuild.Project(newStack(app, id, env), 'Build', {
        buildSpec: codebuild.BuildSpec.fromObject({ version: '0.2', phases: { build: { commands: ['npm publish'] } } }),
        environmentVariables: {
          A: { type: codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER, value: `${secret.secretName}:token` },
          B: { type: codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER, value: `arn:aws:secretsmanager:${env.region}:${env.account}:secret:${secret.secretName}-AbCdEf:token` },
        },
      });
    }
    expect(() => app.synth()).not.toThrow();
  });

  test('by name, in the region of a replica of the secret, reads the replica and fails synth the same way', () => {
    const app = new App();
    const secret = new AppSecret(newStack(app, 'Shop', { account: '111111111111', region: 'eu-west-1' }), 'Db', {
      name: 'db',
      environment: 'prod',
      replicaRegions: [{ region: 'us-east-1' }],
      generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'ci' }), generateStringKey: 'password' },
    });
    new codebuild.Project(newStack(app, 'UsEast', { account: '111111111111', region: 'us-east-1' }), 'Build', {
      buildSpec: codebuild.BuildSpec.fromObject({ version: '0.2', phases: { build: { commands: ['npm publish'] } } }),
      environmentVariables: { A: { type: codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER, value: `${secret.secretName}:token` } },
    });
    expect(() => app.synth()).toThrow("but CodeBuild project 'UsEast/Build' reads that key (its SECRETS_MANAGER environment variable A)");
  });
});

describe('a JSON field a container reads when it starts', () => {
  const structured = { secretStringTemplate: JSON.stringify({ username: 'admin' }), generateStringKey: 'password', excludePunctuation: true };

  function ecsTaskReading(secret: AppSecret, field: string): void {
    const task = new ecs.FargateTaskDefinition(Stack.of(secret), 'Task');
    task.addContainer('App', { image: ecs.ContainerImage.fromRegistry('nginx'), secrets: { DB_PASSWORD: ecs.Secret.fromSecretsManager(secret, field) } });
  }

  function batchJobReading(secret: AppSecret, field: string): void {
    const container = new batch.EcsFargateContainerDefinition(Stack.of(secret), 'Container', {
      image: ecs.ContainerImage.fromRegistry('nginx'),
      cpu: 1,
      memory: Size.mebibytes(2048),
      secrets: { DB_PASSWORD: batch.Secret.fromSecretsManager(secret, field) },
    });
    new batch.EcsJobDefinition(Stack.of(secret), 'Job', { container });
  }

  function synthError(app: App): string {
    try {
      app.synth();
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  }

  test.each([
    ['an ECS task definition', ecsTaskReading, 'Shop/Task'],
    ['an AWS Batch job definition', batchJobReading, 'Shop/Job'],
  ])('of a generated plain string fails synth for %s, since the container could never start', (_, reading, path) => {
    const app = new App();
    const secret = new AppSecret(newStack(app), 'Db', { name: 'db', environment: 'prod', generateSecretString: { passwordLength: 32 } });
    reading(secret, 'password');
    expect(synthError(app)).toContain(
      "AppSecret 'Shop/Db': generateSecretString gives a plain string, not JSON, which has no JSON key 'password', " +
      `but task or job definition '${path}' reads that key into a container (ecs.Secret.fromSecretsManager(secret, 'password'), or AWS Batch's), and a container whose secret lacks it does not start. ` +
      "Fix: read the whole secret (ecs.Secret.fromSecretsManager(secret)), or give the secret its keys from the start: generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'admin' }), generateStringKey: 'password'",
    );
  });

  test('that the secret\'s JSON template lacks fails synth, naming the keys it has', () => {
    const app = new App();
    const secret = new AppSecret(newStack(app), 'Db', { name: 'db', environment: 'prod', generateSecretString: structured });
    ecsTaskReading(secret, 'pasword');
    expect(synthError(app)).toContain(
      "AppSecret 'Shop/Db': generateSecretString gives the keys username, password, which do not include 'pasword', but task or job definition 'Shop/Task' reads that key into a container",
    );
  });

  test('that the secret has, or that a database attachment adds, passes synth', () => {
    const app = new App();
    const stack = newStack(app);
    ecsTaskReading(new AppSecret(stack, 'Db', { name: 'db', environment: 'prod', generateSecretString: structured }), 'password');
    const attached = new AppSecret(stack, 'Attached', { name: 'attached', environment: 'prod', generateSecretString: structured });
    new rds.DatabaseInstance(stack, 'Database', { engine: rds.DatabaseInstanceEngine.POSTGRES, vpc: new ec2.Vpc(stack, 'Vpc'), credentials: rds.Credentials.fromSecret(attached) });
    batchJobReading(attached, 'host');
    expect(synthError(app)).toBe('');
  });

  test('that an attachment made with new secretsmanager.SecretTargetAttachment adds passes synth, as with secret.attach', () => {
    const app = new App();
    const stack = newStack(app);
    const secret = new AppSecret(stack, 'Db', { name: 'db', environment: 'prod', generateSecretString: structured });
    const database = new rds.DatabaseInstance(stack, 'Database', {
      engine: rds.DatabaseInstanceEngine.POSTGRES,
      vpc: new ec2.Vpc(stack, 'Vpc'),
      credentials: rds.Credentials.fromPassword('admin', secret.secretValueFromJson('password')),
    });
    new secretsmanager.SecretTargetAttachment(stack, 'Attachment', { secret, target: database });
    ecsTaskReading(secret, 'host');
    secret.secretValueFromJson('port');
    secret.addRotationSchedule('Rotation', { hostedRotation: secretsmanager.HostedRotation.postgreSqlSingleUser() });
    expect(synthError(app)).toBe('');
  });
});

describe('synth of many secrets read by CodeBuild projects and containers', () => {
  test('renders each project and task definition a bounded number of times, not once per secret (synth took minutes with hundreds of secrets)', () => {
    const app = new App();
    const stack = newStack(app);
    const secrets = Array.from({ length: 30 }, (_, i) => new AppSecret(stack, `S${i}`, {
      name: `s${i}`,
      environment: 'prod',
      nameOutput: false,
      generateSecretString: i % 2 ? { secretStringTemplate: JSON.stringify({ username: 'u' }), generateStringKey: 'password', excludePunctuation: true } : undefined,
    }));
    const project = new codebuild.Project(stack, 'Build', {
      buildSpec: codebuild.BuildSpec.fromObject({ version: '0.2', phases: { build: { commands: ['make'] } } }),
      environmentVariables: { A: { type: codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER, value: `${secrets[1].secretArn}:password` } },
    });
    const task = new ecs.FargateTaskDefinition(stack, 'Task');
    task.addContainer('App', {
      image: ecs.ContainerImage.fromRegistry('nginx'),
      secrets: Object.fromEntries(secrets.filter((_, i) => i % 2).map((secret, i) => [`P${i}`, ecs.Secret.fromSecretsManager(secret, 'password')])),
    });
    const renders = new Map<string, number>();
    for (const resource of [project.node.defaultChild, task.node.defaultChild] as unknown as Array<{ node: Construct['node']; _toCloudFormation(): unknown }>) {
      const render = resource._toCloudFormation.bind(resource);
      resource._toCloudFormation = () => {
        renders.set(resource.node.path, (renders.get(resource.node.path) ?? 0) + 1);
        return render();
      };
    }
    app.synth();
    // CDK renders each once for the template; the checks once more, for all secrets.
    expect(Math.max(...renders.values())).toBeLessThanOrEqual(3);
  });
});

describe('forward compatibility', () => {
  /** Property names our own classes declare between the class and aws-cdk-lib's secret classes. */
  function ownMembers(prototype: object): string[] {
    const names: string[] = [];
    for (let p = prototype; p && !/^(SecretBase|Secret|Resource|Construct)$/.test(p.constructor.name); p = Object.getPrototypeOf(p)) {
      names.push(...Object.getOwnPropertyNames(p));
    }
    return names;
  }

  test('AppSecret is a secretsmanager.Secret, like rds.DatabaseSecret', () => {
    expect(new AppSecret(newStack(), 'Key', { name: 'k', environment: 'prod' })).toBeInstanceOf(secretsmanager.Secret);
  });

  test('neither AppSecret nor an imported AppSecret re-declares ISecret members it only passes through', () => {
    const stack = newStack();
    const created = new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' });
    const imported = AppSecret.fromSecretName(stack, 'Legacy', { secretName: 'legacy/k' });
    // attach is not passed through: its attachment (db.secret) grants and wires like the AppSecret.
    const passThrough = ['secretRef', 'cfnDynamicReferenceKey', 'secretValue', 'secretArn', 'grantWrite', 'denyAccountRootDelete', 'addToResourcePolicy', 'env', 'stack'];
    for (const secret of [created, imported]) {
      expect(ownMembers(Object.getPrototypeOf(secret)).filter((m) => passThrough.includes(m))).toEqual([]);
    }
    expect(imported.secretRef).toEqual({ secretId: expect.any(String) });
  });
});

function newEdgeFunction(stack: Stack): cloudfront.experimental.EdgeFunction {
  return new cloudfront.experimental.EdgeFunction(stack, 'Edge', {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {}'),
  });
}

describe('cdk-nag', () => {
  test('the README\'s IAM5 suppression on the reading role covers the batch grant and key/* for a function, a shared role and a SingletonFunction', () => {
    const app = new App();
    const secrets = newStack(app, 'Secrets', { account: '111111111111', region: 'us-east-1' });
    const api = newStack(app, 'Api', { account: '111111111111', region: 'eu-west-1' });
    const secret = new AppSecret(secrets, 'Key', { name: 'k', environment: 'prod', encryptionKey: new kms.Key(secrets, 'Cmk', { enableKeyRotation: true }) });
    const shared = new iam.Role(api, 'Shared', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const readers: lambda.IFunction[] = [
      newFunction(api, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X }),
      newFunction(api, 'UsesShared', { role: shared, runtime: lambda.Runtime.NODEJS_22_X }),
      new lambda.SingletonFunction(api, 'Singleton', {
        uuid: 'f7d4f730-4ee1-11e8-9c2d-fa7ae01bbebc', runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}'),
      }),
    ];
    for (const fn of readers) {
      secret.grantRead(fn);
      // As the README says, on the role the grant went to.
      NagSuppressions.addResourceSuppressions(fn.role!, [{
        id: 'AwsSolutions-IAM5',
        reason: 'secretsmanager:BatchGetSecretValue supports no resource scoping, so it can only be granted on *; kms:Decrypt on key/* is limited by kms:ViaService.',
        appliesTo: ['Resource::*', { regex: '/^Resource::arn:[^:]+:kms:[^:]+:[^:]+:key\\/\\*$/' }],
      }], true);
    }
    Aspects.of(app).add(new AwsSolutionsChecks());
    app.synth();
    expect(Annotations.fromStack(api).findError('*', Match.stringLikeRegexp('AwsSolutions-IAM5')).map((e) => e.id)).toEqual([]);
  });
});
