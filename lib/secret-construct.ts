import { ArnFormat, CfnOutput, Fn, RemovalPolicy, ResourceEnvironment, SecretsManagerSecretOptions, SecretValue, Stack, Tags, Token, TokenComparison } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct, IConstruct } from 'constructs';
import { APP_SECRET_METADATA_TYPE, appSecretMetadata, PLACEHOLDER_MARKER_KEY, PLACEHOLDER_MARKER_TEXT, secretEnvKey } from './env-contract';
import { grantMerged } from './merged-grants';
import { invalidProp, validateEnvKey, validateEnvironment, validateLogicalName, validateSecretName } from './validation';

/**
 * A Secrets Manager secret that knows how to reach the Lambda functions that read it.
 */
export interface IAppSecret extends secretsmanager.ISecret {
  /**
   * The logical name the secret was declared with, e.g. `stripe-api-key`.
   *
   * @attribute
   */
  readonly name: string;

  /**
   * The environment variable key that carries `secretName` into the functions granted read access,
   * e.g. `STRIPE_API_KEY_SECRET_NAME`.
   *
   * @attribute
   */
  readonly envKey: string;
}

/**
 * Properties for an AppSecret.
 */
export interface AppSecretProps {
  /**
   * Logical name of the secret, e.g. `stripe-api-key` or `db/credentials`.
   *
   * It is the last part of the physical name and the source of the environment variable key
   * (`stripe-api-key` gives `STRIPE_API_KEY_SECRET_NAME`); handlers look the secret up by it with
   * `getEnv('stripe-api-key')`. 1 to 256 of `A-Z a-z 0-9 / _ + = . @ -`, starting with a letter.
   */
  readonly name: string;

  /**
   * Deployment environment the secret belongs to, e.g. `dev` or `prod`. It is part of the physical
   * name, so two environments of one stack never share a secret.
   *
   * @default - the context value `cdk-app-secrets:environment`; synth fails if neither is set
   * (unless `secretName` is given)
   */
  readonly environment?: string;

  /**
   * The full physical name of the secret, replacing the `<stack name>/<environment>/<name>` format.
   * Use it to adopt an existing naming scheme; you are then responsible for uniqueness.
   *
   * @default `<stack name>/<environment>/<name>`
   */
  readonly secretName?: string;

  /**
   * The environment variable key that carries the physical name into granted functions. Must match
   * `[a-zA-Z][a-zA-Z0-9_]+` and not be a key Lambda reserves.
   *
   * @default - derived from `name`: `AppSecret.envKeyFor(name)`, e.g. `STRIPE_API_KEY_SECRET_NAME`
   */
  readonly envKey?: string;

  /**
   * A description of the secret.
   *
   * @default - no description
   */
  readonly description?: string;

  /**
   * Customer-managed KMS key to encrypt the secret with. Readers are granted `kms:Decrypt` through
   * Secrets Manager only (`kms:ViaService`).
   *
   * @default - the account's AWS managed key `aws/secretsmanager`
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Have CloudFormation generate the value, e.g. a password, optionally inside a JSON template.
   * Mutually exclusive with `secretObjectValue`.
   *
   * @default - a generated placeholder that the runtime recognises as "not set yet"; set the real
   * value after deploy with `aws secretsmanager put-secret-value`
   */
  readonly generateSecretString?: secretsmanager.SecretStringGenerator;

  /**
   * A JSON secret built from several values, e.g. to group the credentials of one service. Every
   * value must be a reference resolved at deploy time (`SecretValue.ssmSecure`,
   * `SecretValue.cfnParameter`, `SecretValue.secretsManager`, ...): plain text would end up in the
   * template and is refused. Mutually exclusive with `generateSecretString`.
   *
   * @default - a generated placeholder, see `generateSecretString`
   */
  readonly secretObjectValue?: { [key: string]: SecretValue };

  /**
   * Regions to replicate the secret to.
   *
   * @default - no replicas
   */
  readonly replicaRegions?: secretsmanager.ReplicaRegion[];

  /**
   * What happens to the secret when it leaves the stack.
   *
   * RETAIN keeps a value set by hand, but the retained secret still holds its fixed name, so
   * deploying the same stack again fails with "already exists" until you `cdk import` it or delete
   * it (`aws secretsmanager delete-secret --secret-id <name> --force-delete-without-recovery`).
   * DESTROY deletes it without a recovery window: a value set by hand is lost for good.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Tags to add to the secret.
   *
   * @default - no tags beyond those applied to the stack
   */
  readonly tags?: { [key: string]: string };

  /**
   * Whether to add a stack output with the secret's physical name (no export, so nothing couples
   * stacks), whose description holds the command that sets the value.
   *
   * @default true
   */
  readonly nameOutput?: boolean;
}

/**
 * How to refer to a secret that exists outside this app.
 */
export interface AppSecretImportProps {
  /**
   * The full physical name of the existing secret, e.g. `legacy/stripe-api-key`.
   */
  readonly secretName: string;

  /**
   * Logical name, the source of the environment variable key.
   *
   * @default - `secretName`
   */
  readonly name?: string;

  /**
   * The environment variable key that carries the physical name into granted functions.
   *
   * @default - derived from `name`, see `AppSecret.envKeyFor`
   */
  readonly envKey?: string;

  /**
   * The customer-managed KMS key the secret is encrypted with, if any.
   *
   * @default - the AWS managed key `aws/secretsmanager`
   */
  readonly encryptionKey?: kms.IKey;
}

/** Which AppSecrets already wrote which key into a function's environment. */
const envKeysByFunction = new WeakMap<lambda.Function, Map<string, IAppSecret>>();
/** Physical names taken per stack, to catch two AppSecrets that CloudFormation would collide. */
const secretNamesByStack = new WeakMap<Stack, Map<string, string>>();

/** Lambda's limit on the JSON form of a function's whole environment map, in bytes. */
const LAMBDA_ENV_LIMIT_BYTES = 4096;
/** CloudFormation's limit on outputs per stack. */
const CFN_OUTPUT_LIMIT = 200;
/** Stacks whose output count is already checked at synth. */
const stacksWithOutputCheck = new WeakSet<Stack>();

/**
 * What AppSecret and an imported AppSecret share: granting read access wires the secret's name
 * into the environment of Lambda functions.
 */
export abstract class AppSecretBase extends Construct implements IAppSecret {
  /** The underlying Secrets Manager secret. */
  public abstract readonly secret: secretsmanager.ISecret;
  public abstract readonly name: string;
  public abstract readonly envKey: string;
  public abstract readonly secretName: string;
  public abstract readonly encryptionKey?: kms.IKey;

  private memoizedGrantArn?: string;

  /**
   * Grants read access and, for a `lambda.Function` (including `NodejsFunction`), adds the
   * environment variable `envKey` holding the secret's physical name.
   *
   * The grantee gets `secretsmanager:GetSecretValue` and `DescribeSecret` on this secret only,
   * `secretsmanager:BatchGetSecretValue` (used by the runtime's batched reads; it takes no
   * resource, and returns only the secrets the caller may also `GetSecretValue`), and
   * `kms:Decrypt` via Secrets Manager when a customer-managed key is used. Grants of many secrets
   * to one principal are merged into one statement per kind, so the role policy stays compact.
   * A principal in another account is granted through the secret's resource policy.
   */
  public grantRead(grantee: iam.IGrantable, versionStages?: string[]): iam.Grant {
    const grant = this.grantReadPermissions(grantee, versionStages);
    if (grantee instanceof lambda.Function) {
      this.wireInto(grantee);
    }
    return grant;
  }

  public grantWrite(grantee: iam.IGrantable): iam.Grant {
    return this.secret.grantWrite(grantee);
  }

  public get secretArn(): string {
    return this.secret.secretArn;
  }

  public get secretFullArn(): string | undefined {
    return this.secret.secretFullArn;
  }

  public get secretValue(): SecretValue {
    return this.secret.secretValue;
  }

  public get secretRef(): secretsmanager.SecretReference {
    return this.secret.secretRef;
  }

  public get stack(): Stack {
    return this.secret.stack;
  }

  public get env(): ResourceEnvironment {
    return this.secret.env;
  }

  public secretValueFromJson(key: string): SecretValue {
    return this.secret.secretValueFromJson(key);
  }

  public addRotationSchedule(id: string, options: secretsmanager.RotationScheduleOptions): secretsmanager.RotationSchedule {
    return this.secret.addRotationSchedule(id, options);
  }

  public addToResourcePolicy(statement: iam.PolicyStatement): iam.AddToResourcePolicyResult {
    return this.secret.addToResourcePolicy(statement);
  }

  public denyAccountRootDelete(): void {
    this.secret.denyAccountRootDelete();
  }

  public attach(target: secretsmanager.ISecretAttachmentTarget): secretsmanager.ISecret {
    return this.secret.attach(target);
  }

  public cfnDynamicReferenceKey(options?: SecretsManagerSecretOptions): string {
    return this.secret.cfnDynamicReferenceKey(options);
  }

  public applyRemovalPolicy(policy: RemovalPolicy): void {
    this.secret.applyRemovalPolicy(policy);
  }

  /**
   * The ARN that IAM matches for this secret: its name plus the six-character suffix Secrets
   * Manager appends. Built from the literal name, so a function in another stack needs no import.
   */
  private get grantArn(): string {
    this.memoizedGrantArn ??= buildGrantArn(Stack.of(this), this.secretName);
    return this.memoizedGrantArn;
  }

  private grantReadPermissions(grantee: iam.IGrantable, versionStages?: string[]): iam.Grant {
    const stack = Stack.of(this);
    const principalAccount = grantee.grantPrincipal.principalAccount;
    const crossAccount = principalAccount !== undefined
      && Token.compareStrings(principalAccount, stack.account) === TokenComparison.DIFFERENT;
    if (crossAccount) {
      if (!this.encryptionKey) {
        throw invalidProp(this, 'encryptionKey', `is not set, but grantRead was called for account ${principalAccount}, and the AWS managed key cannot be used from another account`,
          'set encryptionKey to a customer-managed kms.Key, whose key policy CDK extends to the other account');
      }
      // CDK's own grant adds the resource-policy statement and the key grant another account needs.
      return this.secret.grantRead(grantee, versionStages);
    }

    const read = grantMerged(grantee, {
      mergeKey: `secretsmanager-read:${(versionStages ?? []).join(',')}`,
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resourceArns: [this.grantArn],
      conditions: versionStages
        ? { 'ForAnyValue:StringEquals': { 'secretsmanager:VersionStage': versionStages } }
        : undefined,
    });
    if (!read.success) {
      // Principals without an identity policy (service or account principals) are granted
      // through the secret's resource policy instead.
      return this.secret.grantRead(grantee, versionStages);
    }

    // BatchGetSecretValue takes no resource scoping, so it can only be granted on '*'. It returns
    // only the secrets the caller may also GetSecretValue, so it widens nothing on its own.
    let grant = read.combine(grantMerged(grantee, {
      mergeKey: 'secretsmanager-batch',
      actions: ['secretsmanager:BatchGetSecretValue'],
      resourceArns: ['*'],
    }));

    if (this.encryptionKey) {
      const viaService = `secretsmanager.${stack.region}.amazonaws.com`;
      grant = grant.combine(grantMerged(grantee, {
        mergeKey: `kms-decrypt:${viaService}`,
        actions: ['kms:Decrypt'],
        resourceArns: [this.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': viaService } },
      }));
    }
    return grant;
  }

  private wireInto(fn: lambda.Function): void {
    let keys = envKeysByFunction.get(fn);
    if (!keys) {
      keys = new Map();
      envKeysByFunction.set(fn, keys);
      fn.node.addValidation({ validate: () => validateEnvironmentSize(fn) });
    }
    const holder = keys.get(this.envKey);
    if (holder && holder.secretName !== this.secretName) {
      throw invalidProp(this, 'envKey',
        `'${this.envKey}' is already used on function '${fn.node.path}' by secret '${holder.node.path}' (${holder.secretName})`,
        `set a different envKey on one of the two secrets, e.g. envKey: '${this.envKey.replace(/_SECRET_NAME$/, '')}_2_SECRET_NAME'`);
    }
    keys.set(this.envKey, this);
    fn.addEnvironment(this.envKey, this.secretName);
  }
}

/**
 * An application secret: a Secrets Manager secret with a stack-scoped, environment-named physical
 * name, wired into the functions that read it.
 *
 * @example
 * const key = new AppSecret(this, 'StripeKey', { name: 'stripe-api-key', environment: 'prod' });
 * key.grantRead(fn); // fn now has STRIPE_API_KEY_SECRET_NAME=<stack>/prod/stripe-api-key
 */
export class AppSecret extends AppSecretBase {
  /** The context key read when `environment` is not given. */
  public static readonly ENVIRONMENT_CONTEXT_KEY = 'cdk-app-secrets:environment';

  /**
   * The environment variable key that carries the physical name of the secret with logical name
   * `name`: words split on non-alphanumerics and case changes, upper-cased, joined with `_`, plus
   * `_SECRET_NAME`. The runtime's `getEnv(name)` uses the same function.
   */
  public static envKeyFor(name: string): string {
    return secretEnvKey(name);
  }

  /**
   * Refers to a secret created outside this app. Granting read access wires and grants it exactly
   * like an AppSecret created here.
   */
  public static fromSecretName(scope: Construct, id: string, props: AppSecretImportProps): IAppSecret {
    return new ImportedAppSecret(scope, id, props);
  }

  public readonly secret: secretsmanager.ISecret;
  public readonly name: string;
  public readonly envKey: string;
  /** The physical name of the secret, known at synth time. */
  public readonly secretName: string;
  /** The deployment environment the secret belongs to (undefined when `secretName` was given). */
  public readonly environment?: string;
  public readonly encryptionKey?: kms.IKey;

  /**
   * @param scope the construct to create the secret in; its stack's name is part of the secret name
   * @param id the construct id
   * @param props the secret's logical name, environment and options
   */
  constructor(scope: Construct, id: string, props: AppSecretProps) {
    super(scope, id);
    validateLogicalName(this, 'name', props.name);
    this.name = props.name;
    this.environment = props.secretName === undefined ? resolveEnvironment(this, props.environment) : props.environment;
    this.secretName = props.secretName ?? `${Stack.of(this).stackName}/${this.environment}/${props.name}`;
    validateSecretName(this, props.secretName === undefined ? 'the secret name (<stack name>/<environment>/<name>)' : 'secretName', this.secretName);
    claimSecretName(this, this.secretName);
    this.envKey = resolveEnvKey(this, props.name, props.envKey);
    this.encryptionKey = props.encryptionKey;

    if (props.generateSecretString && props.secretObjectValue) {
      throw invalidProp(this, 'generateSecretString', 'and secretObjectValue are both set, but a secret has one value',
        'keep one of them');
    }
    if (props.secretObjectValue) validateSecretObjectValue(this, props.secretObjectValue);

    this.secret = new secretsmanager.Secret(this, 'Resource', {
      secretName: this.secretName,
      description: props.description,
      encryptionKey: props.encryptionKey,
      replicaRegions: props.replicaRegions,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      secretObjectValue: props.secretObjectValue,
      generateSecretString: props.secretObjectValue ? undefined : props.generateSecretString ?? {
        secretStringTemplate: JSON.stringify({ [PLACEHOLDER_MARKER_KEY]: PLACEHOLDER_MARKER_TEXT }),
        generateStringKey: 'random',
        excludePunctuation: true,
      },
    });
    for (const [key, value] of Object.entries(props.tags ?? {})) {
      Tags.of(this.secret).add(key, value);
    }
    // The CLI (npx cdk-app-secrets) finds every AppSecret, and the JSON shape `set` checks, in the manifest.
    this.node.addMetadata(APP_SECRET_METADATA_TYPE, appSecretMetadata(this.name, this.secretName, this.envKey, {
      secretStringTemplate: props.generateSecretString?.secretStringTemplate,
      generateStringKey: props.generateSecretString?.generateStringKey,
      secretObjectKeys: props.secretObjectValue && Object.keys(props.secretObjectValue),
    }));

    if (props.nameOutput ?? true) {
      checkOutputCountAtSynth(Stack.of(this));
      new CfnOutput(this, 'SecretName', {
        value: this.secretName,
        description: `Physical name of secret '${this.name}'. Set its value with: npx cdk-app-secrets set ${this.name} --stack ${Stack.of(this).node.path} (or aws secretsmanager put-secret-value --secret-id ${this.secretName} --secret-string <value>)`,
      });
    }
  }
}

class ImportedAppSecret extends AppSecretBase {
  public readonly secret: secretsmanager.ISecret;
  public readonly name: string;
  public readonly envKey: string;
  public readonly secretName: string;
  public readonly encryptionKey?: kms.IKey;

  constructor(scope: Construct, id: string, props: AppSecretImportProps) {
    super(scope, id);
    validateSecretName(this, 'secretName', props.secretName);
    this.secretName = props.secretName;
    this.name = props.name ?? props.secretName;
    validateLogicalName(this, props.name === undefined ? 'secretName (used as name)' : 'name', this.name);
    this.envKey = resolveEnvKey(this, this.name, props.envKey);
    this.encryptionKey = props.encryptionKey;
    this.secret = secretsmanager.Secret.fromSecretAttributes(this, 'Resource', {
      secretPartialArn: Stack.of(this).formatArn({
        service: 'secretsmanager',
        resource: 'secret',
        resourceName: props.secretName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
      encryptionKey: props.encryptionKey,
    });
  }
}

/** The given envKey, or the one derived from the logical name; either way legal for Lambda. */
function resolveEnvKey(scope: IConstruct, name: string, envKey: string | undefined): string {
  const key = envKey ?? secretEnvKey(name);
  validateEnvKey(scope, envKey === undefined ? `the environment variable key derived from name '${name}'` : 'envKey', key);
  return key;
}

function buildGrantArn(stack: Stack, secretName: string): string {
  if (Token.isUnresolved(secretName)) {
    return stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${secretName}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }
  const partition = Token.isUnresolved(stack.region) ? undefined : RegionInfo.get(stack.region).partition;
  if (Token.isUnresolved(stack.account) || partition === undefined) {
    // CDK sizes every tokenized ARN at 150 characters when it decides to split a role's policy;
    // one Fn::Sub keeps the template small, and a literal ARN (below) is sized exactly.
    return Fn.sub(`arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${secretName}-??????`);
  }
  return `arn:${partition}:secretsmanager:${stack.region}:${stack.account}:secret:${secretName}-??????`;
}

function resolveEnvironment(scope: IConstruct, fromProps: string | undefined): string {
  const environment = fromProps ?? scope.node.tryGetContext(AppSecret.ENVIRONMENT_CONTEXT_KEY);
  if (environment === undefined) {
    throw invalidProp(scope, 'environment', `is not set, and there is no context value '${AppSecret.ENVIRONMENT_CONTEXT_KEY}' to take it from`,
      `pass environment: 'dev' (or 'prod', ...), or set the context, e.g. cdk synth -c ${AppSecret.ENVIRONMENT_CONTEXT_KEY}=dev or "context": { "${AppSecret.ENVIRONMENT_CONTEXT_KEY}": "dev" } in cdk.json`);
  }
  if (typeof environment !== 'string') {
    throw invalidProp(scope, `context '${AppSecret.ENVIRONMENT_CONTEXT_KEY}'`, `is ${JSON.stringify(environment)}, not a string`,
      'set it to an environment name such as "dev"');
  }
  validateEnvironment(scope, fromProps !== undefined ? 'environment' : `context '${AppSecret.ENVIRONMENT_CONTEXT_KEY}'`, environment);
  return environment;
}

function claimSecretName(secret: AppSecret, secretName: string): void {
  if (Token.isUnresolved(secretName)) return;
  const stack = Stack.of(secret);
  let names = secretNamesByStack.get(stack);
  if (!names) {
    names = new Map();
    secretNamesByStack.set(stack, names);
  }
  const taken = names.get(secretName);
  if (taken) {
    throw invalidProp(secret, 'name', `gives the secret name '${secretName}', which '${taken}' in the same stack already has; CloudFormation would fail to create the second`,
      'give one of them a different name (or environment)');
  }
  names.set(secretName, secret.node.path);
}

function validateSecretObjectValue(scope: IConstruct, values: { [key: string]: SecretValue }): void {
  const keys = Object.keys(values);
  if (keys.length === 0) {
    throw invalidProp(scope, 'secretObjectValue', 'is empty', 'give it at least one key, or leave it out to get a placeholder');
  }
  for (const key of keys) {
    if (!Token.isUnresolved(values[key].unsafeUnwrap())) {
      throw invalidProp(scope, `secretObjectValue.${key}`, 'is plain text, which would be written into the CloudFormation template',
        'use a value resolved at deploy time (SecretValue.ssmSecure, SecretValue.cfnParameter, SecretValue.secretsManager), or leave the key out and set it after deploy');
    }
  }
}

function checkOutputCountAtSynth(stack: Stack): void {
  if (stacksWithOutputCheck.has(stack)) return;
  stacksWithOutputCheck.add(stack);
  stack.node.addValidation({
    validate: () => {
      const outputs = stack.node.findAll().filter((c) => c instanceof CfnOutput && Stack.of(c) === stack);
      if (outputs.length <= CFN_OUTPUT_LIMIT) return [];
      const nameOutputs = outputs.filter((o) => o.node.scope instanceof AppSecret).length;
      return [
        `AppSecret: stack '${stack.node.path}' has ${outputs.length} outputs, over CloudFormation's limit of ${CFN_OUTPUT_LIMIT}; ` +
        `${nameOutputs} of them are AppSecret name outputs. Fix: set nameOutput: false on AppSecrets (granted functions get the name ` +
        'in their environment anyway), or split the secrets across stacks.',
      ];
    },
  });
}

function validateEnvironmentSize(fn: lambda.Function): string[] {
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  const environment = Stack.of(fn).resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined;
  const variables = environment?.variables ?? {};
  const size = Buffer.byteLength(JSON.stringify(variables), 'utf8');
  if (size <= LAMBDA_ENV_LIMIT_BYTES) return [];
  const secretKeys = [...(envKeysByFunction.get(fn)?.keys() ?? [])];
  return [
    `AppSecret: the environment of function '${fn.node.path}' is ${size} bytes as JSON, over Lambda's limit of ${LAMBDA_ENV_LIMIT_BYTES} bytes ` +
    `(${Object.keys(variables).length} variables, ${secretKeys.length} of them secret names). ` +
    'Fix: group related values into one JSON secret (secretObjectValue) and read it with getSecretJson, use shorter names or envKeys, or grant fewer secrets to this function.',
  ];
}
