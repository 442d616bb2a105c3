import { App, CfnParameter, Duration, RemovalPolicies, RemovalPolicy, SecretValue, Stack, Tags, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AppSecret } from '../lib';
import { PLACEHOLDER_MARKER_KEY } from '../lib/env-contract';
import { functionEnvironment, newFunction, newStack, policyStatements } from './support/synth';

function secretNames(stack: Stack): string[] {
  return Object.values(Template.fromStack(stack).findResources('AWS::SecretsManager::Secret'))
    .map((resource) => resource.Properties.Name);
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

  test('keeps the placeholder\'s GenerateSecretString exactly as released, so an upgrade never replaces values users set', () => {
    // CloudFormation generates a new value whenever GenerateSecretString changes (aws-cdk#19985):
    // any change here, even to the marker's text, would overwrite every value set with the CLI.
    const stack = newStack();
    new AppSecret(stack, 'Key', { name: 'key', environment: 'prod' });
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectEquals({
        ExcludePunctuation: true,
        GenerateStringKey: 'random',
        SecretStringTemplate: '{"cdkAppSecretsPlaceholder":"not set yet: aws secretsmanager put-secret-value --secret-id <this secret> --secret-string <value>"}',
      }),
    });
  });

  test('uses generateSecretString as given, without the placeholder marker', () => {
    const stack = newStack();
    new AppSecret(stack, 'Key', { name: 'db-password', environment: 'prod', generateSecretString: { passwordLength: 40 } });
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 40, SecretStringTemplate: Match.absent() },
    });
  });

  test('refuses a generateSecretString template that is not a JSON object, which the deploy would fail on', () => {
    const stack = newStack();
    expect(() => new AppSecret(stack, 'Key', {
      name: 'db', environment: 'prod', generateSecretString: { secretStringTemplate: '{username: "admin"}', generateStringKey: 'password' },
    })).toThrow(
      "AppSecret 'Shop/Key': generateSecretString.secretStringTemplate is not a JSON object, but Secrets Manager adds the generated key to a JSON object. " +
      "Fix: build it with JSON.stringify, e.g. secretStringTemplate: JSON.stringify({ username: 'admin' })",
    );
  });

  test.each([0, 4097])('refuses a generateSecretString passwordLength of %d, outside Secrets Manager\'s 1 to 4096', (passwordLength) => {
    const stack = newStack();
    expect(() => new AppSecret(stack, 'Key', { name: 'db', environment: 'prod', generateSecretString: { passwordLength } })).toThrow(
      `AppSecret 'Shop/Key': generateSecretString.passwordLength is ${passwordLength}, but Secrets Manager generates 1 to 4096 characters. Fix: use a length from 1 to 4096 (the default is 32)`,
    );
  });

  test('passes a generateSecretString template known only at deploy time through unchecked', () => {
    const stack = newStack();
    const template = new CfnParameter(stack, 'Template').valueAsString;
    new AppSecret(stack, 'Key', { name: 'db', environment: 'prod', generateSecretString: { secretStringTemplate: template, generateStringKey: 'password' } });
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: { SecretStringTemplate: { Ref: 'Template' } } });
  });

  test('builds a JSON multi-key secret from deploy-time references', () => {
    const stack = newStack();
    const password = new CfnParameter(stack, 'DbPassword', { noEcho: true });
    new AppSecret(stack, 'Db', {
      name: 'db',
      environment: 'prod',
      secretObjectValue: { password: SecretValue.cfnParameter(password), apiKey: SecretValue.secretsManager('legacy/api-key') },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::Secret', {
      SecretString: { 'Fn::Join': ['', ['{"password":"', { Ref: 'DbPassword' }, '","apiKey":"{{resolve:secretsmanager:legacy/api-key:SecretString:::}}"}']] },
      GenerateSecretString: Match.absent(),
    });
  });

  test('refuses SecretValue.ssmSecure in secretObjectValue, which CloudFormation does not resolve in a secret value', () => {
    const stack = newStack();
    expect(() => new AppSecret(stack, 'Db', {
      name: 'db',
      environment: 'prod',
      secretObjectValue: { password: SecretValue.ssmSecure('/db/password') },
    })).toThrow("AppSecret 'Shop/Db': secretObjectValue.password is an SSM SecureString reference (SecretValue.ssmSecure), which CloudFormation does not resolve in a secret's SecretString: the deploy would fail. " +
      'Fix: use SecretValue.cfnParameter of a NoEcho parameter, SecretValue.secretsManager, or SecretValue.resourceAttribute');
    expect(secretNames(stack)).toEqual([]);
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
      secretObjectValue: { password: SecretValue.secretsManager('legacy/db-password') },
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

  test('keeps the name output\'s description within CloudFormation\'s 1,024 bytes for the longest names', () => {
    const stack = new Stack(new App(), 'Shop', { stackName: 'S'.repeat(128) });
    new AppSecret(stack, 'Key', { name: 'n'.repeat(256), environment: 'e'.repeat(64) });
    const [output] = Object.values(Template.fromStack(stack).findOutputs('*'));
    expect(Buffer.byteLength(output.Description)).toBeLessThanOrEqual(1024);
    expect(output.Description).toContain(`npx cdk-app-secrets set ${'n'.repeat(256)} --stack Shop`);
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

  test('refuses removalPolicy SNAPSHOT, which keeps no copy of a secret', () => {
    const stack = newStack();
    expect(() => new AppSecret(stack, 'Key', { name: 'k', environment: 'prod', removalPolicy: RemovalPolicy.SNAPSHOT })).toThrow(
      "AppSecret 'Shop/Key': removalPolicy is SNAPSHOT, but CloudFormation takes snapshots only of databases and volumes, never of a secret, so no copy of its value would be kept. " +
      'Fix: use RemovalPolicy.RETAIN (the default) to keep the value, or RemovalPolicy.DESTROY to delete it with the stack',
    );
  });

  test('refuses applyRemovalPolicy(SNAPSHOT) at synth like the removalPolicy prop, since it keeps no copy of a secret either', () => {
    const app = new App();
    const secret = new AppSecret(newStack(app), 'Key', { name: 'k', environment: 'prod' });
    secret.applyRemovalPolicy(RemovalPolicy.SNAPSHOT);
    expect(() => app.synth()).toThrow(
      "AppSecret 'Shop/Key': removal policy is SNAPSHOT (set after the props, e.g. with applyRemovalPolicy or RemovalPolicies.of), but CloudFormation takes snapshots only of databases and volumes, never of a secret, so no copy of its value would be kept. " +
      'Fix: use RemovalPolicy.RETAIN (the default) to keep the value, or RemovalPolicy.DESTROY to delete it with the stack',
    );
  });

  test('refuses SNAPSHOT applied to the whole stack with RemovalPolicies.of at synth', () => {
    const app = new App();
    const stack = newStack(app);
    new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' });
    RemovalPolicies.of(stack).apply(RemovalPolicy.SNAPSHOT);
    expect(() => app.synth()).toThrow("AppSecret 'Shop/Key': removal policy is SNAPSHOT");
  });

  test('refuses an encryptionKey of another region, which Secrets Manager cannot encrypt with', () => {
    const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'us-east-1' });
    const key = kms.Key.fromKeyArn(stack, 'Cmk', 'arn:aws:kms:eu-west-1:111111111111:key/abc');
    expect(() => new AppSecret(stack, 'Key', { name: 'k', environment: 'prod', encryptionKey: key })).toThrow(
      "AppSecret 'Shop/Key': encryptionKey is a key in region eu-west-1, but the secret is in us-east-1, and Secrets Manager encrypts a secret only with a KMS key of its own region. " +
      'Fix: use a key in us-east-1 (for example a kms.Key created in this stack, or a replica of a multi-Region key there)',
    );
  });

  test('refuses a replica\'s encryptionKey of another region than the replica', () => {
    const app = new App();
    const stack = newStack(app, 'Shop', { account: '111111111111', region: 'us-east-1' });
    const key = new kms.Key(stack, 'Cmk');
    expect(() => new AppSecret(stack, 'Key', { name: 'k', environment: 'prod', replicaRegions: [{ region: 'eu-west-1', encryptionKey: key }] })).toThrow(
      "AppSecret 'Shop/Key': replicaRegions[0].encryptionKey is a key in region us-east-1, but the replica is in eu-west-1",
    );
  });

  test('refuses a key of another region than the replica given to addReplicaRegion, as the replicaRegions prop does', () => {
    const app = new App();
    const stack = newStack(app, 'Shop', { account: '111111111111', region: 'us-east-1' });
    const secret = new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' });
    secret.addReplicaRegion('eu-west-1', new kms.Key(stack, 'Cmk'));
    expect(() => app.synth()).toThrow(
      "AppSecret 'Shop/Key': encryptionKey of addReplicaRegion('eu-west-1') is a key in region us-east-1, but the replica is in eu-west-1, and Secrets Manager encrypts a secret only with a KMS key of its own region. " +
      'Fix: use a key in eu-west-1 (for example a kms.Key of a stack in that region, or a replica of a multi-Region key there)',
    );
  });

  test('refuses a key imported by ARN of another region than the replica given to addReplicaRegion', () => {
    const app = new App();
    const stack = newStack(app, 'Shop', { account: '111111111111', region: 'us-east-1' });
    const secret = new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' });
    secret.addReplicaRegion('eu-west-1', kms.Key.fromKeyArn(stack, 'Cmk', 'arn:aws:kms:eu-central-1:111111111111:key/abc'));
    expect(() => app.synth()).toThrow("AppSecret 'Shop/Key': encryptionKey of addReplicaRegion('eu-west-1') is a key in region eu-central-1, but the replica is in eu-west-1");
  });

  test('takes a key of the replica\'s region given to addReplicaRegion, from a stack there', () => {
    const app = new App();
    const keyStack = new Stack(app, 'Keys', { env: { account: '111111111111', region: 'eu-west-1' } });
    const stack = new Stack(app, 'Shop', { env: { account: '111111111111', region: 'us-east-1' }, crossRegionReferences: true });
    const secret = new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' });
    secret.addReplicaRegion('eu-west-1', new kms.Key(keyStack, 'Cmk'));
    secret.addReplicaRegion('eu-central-1', kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:eu-central-1:111111111111:key/abc'));
    expect(() => app.synth()).not.toThrow();
  });

  test('refuses a replica region given twice, which Secrets Manager refuses at deploy', () => {
    const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'us-east-1' });
    expect(() => new AppSecret(stack, 'Key', { name: 'k', environment: 'prod', replicaRegions: [{ region: 'eu-west-1' }, { region: 'eu-west-1' }] })).toThrow(
      "AppSecret 'Shop/Key': replicaRegions[1].region is eu-west-1, which replicaRegions[0] already names, and a secret has one replica per region. " +
      'Fix: list each region once',
    );
  });

  test('refuses a replica region added twice with addReplicaRegion', () => {
    const app = new App();
    const stack = newStack(app, 'Shop', { account: '111111111111', region: 'us-east-1' });
    const secret = new AppSecret(stack, 'Key', { name: 'k', environment: 'prod', replicaRegions: [{ region: 'eu-west-1' }] });
    secret.addReplicaRegion('eu-central-1');
    secret.addReplicaRegion('eu-west-1');
    expect(() => app.synth()).toThrow(
      "AppSecret 'Shop/Key': replicaRegions names eu-west-1 twice (counting the regions addReplicaRegion added), and a secret has one replica per region. Fix: add each region once",
    );
  });

  test('refuses the secret\'s own region as a replica region, naming the secret and the fix', () => {
    const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'us-east-1' });
    expect(() => new AppSecret(stack, 'Key', { name: 'k', environment: 'prod', replicaRegions: [{ region: 'us-east-1' }] })).toThrow(
      "AppSecret 'Shop/Key': replicaRegions[0].region is us-east-1, the region of stack 'Shop', where the secret itself is. Fix: leave it out of replicaRegions",
    );
  });

  test('refuses a tag key starting with aws:, which AWS reserves for itself', () => {
    const stack = newStack();
    expect(() => new AppSecret(stack, 'Key', { name: 'k', environment: 'prod', tags: { 'AWS:owner': 'payments' } })).toThrow(
      "AppSecret 'Shop/Key': tags key 'AWS:owner' starts with 'aws:', a prefix AWS reserves for its own tags, so Secrets Manager refuses it. Fix: use another prefix, e.g. 'owner'",
    );
  });

  test('refuses tag keys and values longer than Secrets Manager takes', () => {
    const stack = newStack();
    expect(() => new AppSecret(stack, 'Key', { name: 'k', environment: 'prod', tags: { ['k'.repeat(129)]: 'v' } })).toThrow(
      `AppSecret 'Shop/Key': tags key '${'k'.repeat(129)}' is 129 characters long, but Secrets Manager takes tag keys of 1 to 128 characters. Fix: shorten it`,
    );
    expect(() => new AppSecret(stack, 'Key2', { name: 'k2', environment: 'prod', tags: { team: 'v'.repeat(257) } })).toThrow(
      "AppSecret 'Shop/Key2': tags value of 'team' is 257 characters long, but Secrets Manager takes tag values of at most 256 characters. Fix: shorten it",
    );
  });

  test('refuses an aws: tag key that Tags.of(stack) adds to the secret, naming the tag and how to keep it off the secret', () => {
    const app = new App();
    const stack = newStack(app);
    new AppSecret(stack, 'Key', { name: 'k', environment: 'prod' });
    Tags.of(stack).add('aws:owner', 'payments');
    expect(() => app.synth()).toThrow(
      "AppSecret 'Shop/Key': tags key 'aws:owner' (added by Tags.of on the secret or a scope above it) starts with 'aws:', a prefix AWS reserves for its own tags, so Secrets Manager refuses it. " +
      "Fix: use another prefix, e.g. 'owner', or keep the tag off secrets: Tags.of(scope).add('aws:owner', value, { excludeResourceTypes: ['AWS::SecretsManager::Secret'] })",
    );
  });

  test('refuses a tag value longer than Secrets Manager takes that Tags.of(app) adds to the secret', () => {
    const app = new App();
    new AppSecret(newStack(app), 'Key', { name: 'k', environment: 'prod' });
    Tags.of(app).add('team', 'v'.repeat(257));
    expect(() => app.synth()).toThrow(
      "AppSecret 'Shop/Key': tags value of 'team' (added by Tags.of on the secret or a scope above it) is 257 characters long, but Secrets Manager takes tag values of at most 256 characters. " +
      "Fix: shorten it, or keep the tag off secrets: Tags.of(scope).add('team', value, { excludeResourceTypes: ['AWS::SecretsManager::Secret'] })",
    );
  });

  test('refuses a description longer than Secrets Manager\'s 2,048 characters', () => {
    const stack = newStack();
    expect(() => new AppSecret(stack, 'Key', { name: 'k', environment: 'prod', description: 'x'.repeat(2049) })).toThrow(
      "AppSecret 'Shop/Key': description is 2049 characters long, but Secrets Manager takes at most 2048. Fix: shorten it",
    );
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

  test('adds a rotation schedule with a hosted rotation to a secret with the keys it reads', () => {
    const stack = newStack();
    const secret = new AppSecret(stack, 'Key', {
      name: 'db',
      environment: 'prod',
      generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'admin', host: 'db.example.com', engine: 'mysql' }), generateStringKey: 'password' },
    });
    secret.addRotationSchedule('Rotation', { hostedRotation: secretsmanager.HostedRotation.mysqlSingleUser(), automaticallyAfter: Duration.days(30) });
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: Match.stringLikeRegexp('^Key') },
      HostedRotationLambda: { RotationType: 'MySQLSingleUser' },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
  });

  test('composes with CDK as an ISecret: a dynamic reference to one JSON key', () => {
    const stack = newStack();
    const secret: secretsmanager.ISecret = new AppSecret(stack, 'Key', {
      name: 'db',
      environment: 'prod',
      generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'admin' }), generateStringKey: 'password' },
    });
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

  test('granted to another account warn that the existing secret\'s resource and key policies must allow it, which the app cannot change', () => {
    const app = new App();
    const stack = newStack(app, 'Shop', { account: '111111111111', region: 'eu-west-1' });
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/abc');
    const legacy = AppSecret.fromSecretName(stack, 'Legacy', { secretName: 'legacy/stripe', name: 'stripe-api-key', encryptionKey: key });
    const api = newStack(app, 'Api', { account: '222222222222', region: 'eu-west-1' });
    legacy.grantRead(newFunction(api, 'Fn', { role: iam.Role.fromRoleArn(api, 'Role', 'arn:aws:iam::222222222222:role/api') }));
    app.synth();
    Template.fromStack(stack).resourceCountIs('AWS::SecretsManager::ResourcePolicy', 0);
    Annotations.fromStack(stack).hasWarning('/Shop/Legacy', Match.stringLikeRegexp(
      "grantRead was called for account 222222222222, which reads through the secret's resource policy, but secret 'legacy/stripe' was not created in this app, " +
      "so its resource policy and its key's policy cannot be changed here.*" +
      "Fix: allow secretsmanager:GetSecretValue and secretsmanager:DescribeSecret for arn:aws:iam::222222222222:role/api in the secret's resource policy " +
      '\\(aws secretsmanager put-resource-policy --secret-id legacy/stripe .*kms:Decrypt for it in the key policy',
    ));
  });

  test('granted to a service principal warn that the existing secret\'s resource policy must allow it, which the app cannot change', () => {
    const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'eu-west-1' });
    const legacy = AppSecret.fromSecretName(stack, 'Legacy', { secretName: 'legacy/stripe', name: 'stripe-api-key' });
    legacy.grantRead(new iam.ServicePrincipal('pipes.amazonaws.com'));
    Annotations.fromStack(stack).hasWarning('/Shop/Legacy', Match.stringLikeRegexp(
      "grantRead was called for pipes.amazonaws.com, which reads through the secret's resource policy, but secret 'legacy/stripe' was not created in this app.*" +
      "Fix: allow secretsmanager:GetSecretValue and secretsmanager:DescribeSecret for pipes.amazonaws.com in the secret's resource policy",
    ));
  });

  test('passed to an ECS container warn that ECS needs the complete ARN, which an import by name does not have, with the import that has it', () => {
    const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'eu-west-1' });
    const legacy = AppSecret.fromSecretName(stack, 'Legacy', { secretName: 'legacy/stripe', name: 'stripe-api-key' });
    const task = new ecs.FargateTaskDefinition(stack, 'Task');
    task.addContainer('App', { image: ecs.ContainerImage.fromRegistry('nginx'), secrets: { STRIPE_API_KEY: ecs.Secret.fromSecretsManager(legacy) } });
    Annotations.fromStack(stack).hasWarning('/Shop/Legacy', Match.stringLikeRegexp(
      "secret 'legacy/stripe' is read by the ECS or AWS Batch agent with execution role 'Shop/Task/ExecutionRole', which needs the secret's complete ARN.*" +
      'but an import by name has only the ARN without it \\(arn:aws:secretsmanager:eu-west-1:111111111111:secret:legacy/stripe\\).*' +
      "Fix: pass the container secretsmanager.Secret.fromSecretCompleteArn\\(this, id, 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:legacy/stripe-<suffix>'\\)",
    ));
  });

  test('refuse an ARN with a fix that does not corrupt it: the name inside it', () => {
    const stack = newStack();
    expect(() => AppSecret.fromSecretName(stack, 'Legacy', { secretName: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:legacy/stripe-AbCdEf' })).toThrow(
      "AppSecret 'Shop/Legacy': secretName 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:legacy/stripe-AbCdEf' is an ARN, but fromSecretName takes the name of a secret " +
      "in this stack's account and region. Fix: pass secretName: 'legacy/stripe' if '-AbCdEf' is the random suffix Secrets Manager added (a complete ARN), " +
      "else 'legacy/stripe-AbCdEf' (the part after ':secret:')",
    );
  });

  test.each([
    ['another account', 'arn:aws:secretsmanager:eu-west-1:222222222222:secret:shared/stripe-AbCdEf', 'account 222222222222'],
    ['another region', 'arn:aws:secretsmanager:us-east-1:111111111111:secret:shared/stripe-AbCdEf', 'region us-east-1'],
  ])('refuse an ARN of %s without advising its name, which would find another secret (or none) in the stack\'s own account and region', (_, arn, where) => {
    const stack = newStack(new App(), 'Shop', { account: '111111111111', region: 'eu-west-1' });
    let message = '';
    try {
      AppSecret.fromSecretName(stack, 'Legacy', { secretName: arn, name: 'stripe-api-key' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`AppSecret 'Shop/Legacy': secretName '${arn}' is the ARN of a secret in ${where}, but fromSecretName imports only secrets in this stack's account and region (111111111111, eu-west-1)`);
    expect(message).toContain('Fix: import it with secretsmanager.Secret.fromSecretAttributes(this, id, { secretCompleteArn, encryptionKey })');
    expect(message).not.toContain("pass secretName: 'shared/stripe'");
  });

  test('refuse a partial ARN, whose name may end like a suffix, without cutting the name', () => {
    const stack = newStack();
    expect(() => AppSecret.fromSecretName(stack, 'Legacy', { secretName: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:app/db-prod01' })).toThrow(
      "else 'app/db-prod01' (the part after ':secret:')",
    );
    expect(() => AppSecret.fromSecretName(stack, 'Other', { secretName: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:app/db' })).toThrow(
      "Fix: pass secretName: 'app/db' (the part after ':secret:')",
    );
  });

  test('refuse a secret name that cannot be the logical name with a fix that keeps the existing secret: pass name', () => {
    const stack = newStack();
    expect(() => AppSecret.fromSecretName(stack, 'Legacy', { secretName: '/prod/stripe' })).toThrow(
      "AppSecret 'Shop/Legacy': secretName (used as name) '/prod/stripe' is not a valid secret name (1 to 256 of A-Z a-z 0-9 / _ + = . @ -, starting with a letter). " +
      "Fix: keep secretName and pass name, the logical name handlers read it by with getEnv, e.g. name: 'prod/stripe'",
    );
  });

  test('named by a token without a logical name ask for name, not for a literal secretName', () => {
    const stack = newStack();
    const secretName = new CfnParameter(stack, 'LegacyName').valueAsString;
    expect(() => AppSecret.fromSecretName(stack, 'Legacy', { secretName })).toThrow(
      "AppSecret 'Shop/Legacy': name is not set, and secretName is an unresolved token, but the environment variable key is derived from the logical name at synth time. " +
      "Fix: keep secretName and pass name, the logical name handlers read it by with getEnv, e.g. name: 'stripe-api-key'",
    );
    expect(AppSecret.fromSecretName(stack, 'Named', { secretName, name: 'stripe-api-key' }).envKey).toBe('STRIPE_API_KEY_SECRET_NAME');
  });

  test('refuse an invalid secret name', () => {
    const stack = newStack();
    expect(() => AppSecret.fromSecretName(stack, 'Legacy', { secretName: 'legacy stripe' })).toThrow(
      "AppSecret 'Shop/Legacy': secretName 'legacy stripe' contains characters Secrets Manager does not allow",
    );
  });
});
