import { CfnResource, RemovalPolicy, SecretValue, Stack, Tags, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { attachWired, isAttached } from './attachment';
import { checkBuildReads } from './build-reads';
import { APP_SECRET_METADATA_TYPE, appSecretMetadata, ENVIRONMENT_CONTEXT_KEY, PLACEHOLDER_MARKER_KEY, PLACEHOLDER_MARKER_TEXT, secretEnvKey } from './env-contract';
import { isExecutionRole } from './grant-scope';
import { checkFieldsAtLaunch, checkHostedRotation, checkJsonKey, initialValue, InitialValue, warnDatabasePassword, warnPlaceholderAtLaunch, warnPlaceholderReference } from './guards';
import { ImportedAppSecret, resolveEnvKey } from './imported-secret';
import { addNameOutput, claimSecretName, physicalName } from './naming';
import { childPath, duplicateReplicaRegionErrors, invalidProp, MAX_DESCRIPTION_LENGTH, renderedTagErrors, replicaKeyRegionErrors, SNAPSHOT_FIX, SNAPSHOT_REASON, snapshotPolicyErrors, validateGenerateSecretString, validateKeyRegion, validateLogicalName, validateReplicaRegions, validateSecretObjectValue, validateTags, warnIfNameLooksLikeArnSuffix } from './validation';
import { grantReadAndWire } from './wiring';

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
   * The environment variable key that carries the secret's name (or, for a function in another
   * region or account, its ARN) into the functions granted read access, e.g.
   * `STRIPE_API_KEY_SECRET_NAME`.
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
   * @default `<stack name>/<environment>/<name>`, where the stack is the top-level stack (a nested
   * stack's own name is generated at deploy time)
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
   * value must be a reference resolved at deploy time (`SecretValue.cfnParameter` of a `NoEcho`
   * parameter, `SecretValue.secretsManager`, `SecretValue.resourceAttribute`): plain text would end
   * up in the template and is refused. `SecretValue.ssmSecure` is refused too: CloudFormation does
   * not resolve `ssm-secure` references in a secret's value. Mutually exclusive with
   * `generateSecretString`.
   *
   * @default - a generated placeholder, see `generateSecretString`
   */
  readonly secretObjectValue?: { [key: string]: SecretValue };

  /**
   * Regions to replicate the secret to, each once, and not the secret's own region.
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
   * Tags to add to the secret: keys of 1 to 128 characters that do not start with `aws:` (AWS
   * reserves it), values of at most 256 characters.
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
   * The environment variable key that carries the physical name (or ARN) into granted functions.
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

/**
 * An application secret: a Secrets Manager secret with a stack-scoped, environment-named physical
 * name, wired into the functions that read it.
 *
 * It extends `secretsmanager.Secret`, as aws-cdk-lib's own `rds.DatabaseSecret` does, rather than
 * implementing `ISecret` member by member: members that newer aws-cdk-lib versions add to
 * `ISecret` are inherited, so the published `.d.ts` keeps type-checking for users on any
 * aws-cdk-lib in the peer range, with or without `skipLibCheck`.
 *
 * The secret's `AWS::SecretsManager::Secret` is therefore this construct's `Resource` child (path
 * `<id>/Resource`, logical ID `<id>` plus a hash). Earlier, unreleased versions nested it one level
 * deeper (`<id>/Resource/Resource`); its logical ID is not pinned to the old one, since nothing
 * was released with it and pinning would make every template carry an override.
 *
 * @example
 * const key = new AppSecret(this, 'StripeKey', { name: 'stripe-api-key', environment: 'prod' });
 * key.grantRead(fn); // fn now has STRIPE_API_KEY_SECRET_NAME=<stack>/prod/stripe-api-key
 */
export class AppSecret extends secretsmanager.Secret implements IAppSecret {
  /** The context key read when `environment` is not given. */
  public static readonly ENVIRONMENT_CONTEXT_KEY = ENVIRONMENT_CONTEXT_KEY;

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

  public readonly name: string;
  public readonly envKey: string;
  /** The physical name of the secret, as given or built at synth time (not parsed from the ARN). */
  public readonly secretName: string;
  /** The deployment environment the secret belongs to, as passed or from the context (with `secretName`: as passed, or undefined). */
  public readonly environment?: string;
  private readonly initialValue: InitialValue;
  private readonly generated?: secretsmanager.SecretStringGenerator;
  private readonly replicas: secretsmanager.ReplicaRegion[];

  /**
   * @param scope the construct to create the secret in; its (top-level) stack's name is part of the secret name
   * @param id the construct id
   * @param props the secret's logical name, environment and options
   */
  constructor(scope: Construct, id: string, props: AppSecretProps) {
    // Everything the Secret is created from is checked first, against the path it will have.
    const where = childPath(scope, id);
    validateLogicalName(where, 'name', props.name);
    const { secretName, environment } = physicalName(scope, where, props);
    const envKey = resolveEnvKey(where, props.name, props.envKey);
    if (props.generateSecretString && props.secretObjectValue) {
      throw invalidProp(where, 'generateSecretString', 'and secretObjectValue are both set, but a secret has one value', 'keep one of them');
    }
    if (props.secretObjectValue) validateSecretObjectValue(where, Stack.of(scope), props.secretObjectValue);
    if (props.generateSecretString) validateGenerateSecretString(where, props.generateSecretString);
    if (props.description !== undefined && !Token.isUnresolved(props.description) && props.description.length > MAX_DESCRIPTION_LENGTH) {
      throw invalidProp(where, 'description', `is ${props.description.length} characters long, but Secrets Manager takes at most ${MAX_DESCRIPTION_LENGTH}`, 'shorten it');
    }
    if (props.encryptionKey) validateKeyRegion(where, 'encryptionKey', props.encryptionKey, Stack.of(scope).region, 'the secret', 'a kms.Key created in this stack');
    validateReplicaRegions(where, Stack.of(scope), props.replicaRegions ?? []);
    if (props.tags) validateTags(where, props.tags);
    (props.replicaRegions ?? []).forEach((replica, i) => replica.encryptionKey &&
      validateKeyRegion(where, `replicaRegions[${i}].encryptionKey`, replica.encryptionKey, replica.region, 'the replica', 'a kms.Key of a stack in that region'));
    if (props.removalPolicy === RemovalPolicy.SNAPSHOT) {
      throw invalidProp(where, 'removalPolicy', `is SNAPSHOT, but ${SNAPSHOT_REASON}`, SNAPSHOT_FIX);
    }
    claimSecretName(where, scope, secretName);

    super(scope, id, {
      secretName,
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
    this.name = props.name;
    this.secretName = secretName;
    this.environment = environment;
    this.envKey = envKey;
    this.initialValue = initialValue(props);
    this.generated = props.secretObjectValue ? undefined : props.generateSecretString;
    this.replicas = props.replicaRegions ?? [];
    this.node.addValidation({
      validate: () => {
        const cfn = this.node.defaultChild as secretsmanager.CfnSecret;
        return [
          ...duplicateReplicaRegionErrors(this, cfn), ...replicaKeyRegionErrors(this),
          ...snapshotPolicyErrors(this, cfn), ...renderedTagErrors(this, cfn),
        ];
      },
    });
    warnIfNameLooksLikeArnSuffix(this, props.secretName === undefined ? 'the secret name (<stack name>/<environment>/<name>)' : 'secretName', secretName);
    for (const [key, value] of Object.entries(props.tags ?? {})) {
      Tags.of(this).add(key, value);
    }
    // The CLI (npx cdk-app-secrets) finds every AppSecret, and the JSON shape `set` checks, in the manifest.
    this.node.addMetadata(APP_SECRET_METADATA_TYPE, appSecretMetadata(this.name, this.secretName, this.envKey, {
      secretStringTemplate: props.generateSecretString?.secretStringTemplate,
      generateStringKey: props.generateSecretString?.generateStringKey,
      secretObjectKeys: props.secretObjectValue && Object.keys(props.secretObjectValue),
    }));
    if (props.nameOutput ?? true) addNameOutput(this, this.name, secretName);
    checkBuildReads(this, this.initialValue, () => isAttached(this));
  }

  /**
   * Grants read access and, for a Lambda function (a `lambda.Function` such as `NodejsFunction`, a
   * `SingletonFunction`, or the function behind a version or alias), adds the environment variable
   * `envKey`: the secret's physical name, or its ARN for a function in another region or account.
   *
   * The grantee gets `secretsmanager:GetSecretValue` and `DescribeSecret` on this secret only (on
   * its replica, for a function in a replica's region), `secretsmanager:BatchGetSecretValue` (used
   * by the runtime's batched reads; it takes no resource, and returns only the secrets the caller
   * may also `GetSecretValue`; not for the execution role of an ECS task or AWS Batch container,
   * whose agent reads each secret by ARN), and `kms:Decrypt` via Secrets Manager when a customer-managed key is
   * used. Grants of many secrets to one principal share statements, sized to stay within IAM's
   * limits. A principal in another account is granted through the secret's resource policy.
   */
  public grantRead(grantee: iam.IGrantable, versionStages?: string[]): iam.Grant {
    warnPlaceholderAtLaunch(this, this.initialValue, grantee, this.name);
    if (isExecutionRole(grantee)) checkFieldsAtLaunch(this, this.initialValue, grantee as unknown as Construct, () => isAttached(this));
    return grantReadAndWire(this, grantee, versionStages, {
      replicaRegions: this.readableReplicas(),
      resource: this.node.defaultChild as CfnResource,
      cdkGrantRead: (g, stages) => super.grantRead(g, stages),
    });
  }

  /**
   * The replicas so far: those of `replicaRegions`, with their keys, and those `addReplicaRegion`
   * added. One added with a key is left to the primary: only the key's ARN is known here, not the key.
   */
  private readableReplicas(): secretsmanager.ReplicaRegion[] {
    const cfn = this.node.defaultChild as secretsmanager.CfnSecret;
    const synthesized = Stack.of(this).resolve(cfn.replicaRegions) as Array<{ region?: unknown; kmsKeyId?: unknown }> | undefined;
    return (synthesized ?? []).flatMap(({ region, kmsKeyId }) => {
      const given = this.replicas.find((replica) => replica.region === region);
      if (given) return [given];
      return typeof region === 'string' && kmsKeyId === undefined ? [{ region }] : [];
    });
  }

  /**
   * Attaches the secret to a database, which adds its engine, host and port. The attachment (which
   * `rds.DatabaseInstance` made with `rds.Credentials.fromSecret` exposes as `db.secret`) grants read
   * access exactly like this secret: `db.secret.grantRead(fn)` also writes the environment variable.
   *
   * @param target the database instance or cluster to attach
   */
  public attach(target: secretsmanager.ISecretAttachmentTarget): secretsmanager.ISecret {
    warnDatabasePassword(this, this.generated, target);
    return attachWired(this, target, (t) => super.attach(t));
  }

  /**
   * Refuses a key the default placeholder (or a generated plain string) lacks: a dynamic reference to it would fail the first deploy.
   * Warns about any other reference to the placeholder (also `secretValue`), which CloudFormation would deploy as the value.
   */
  public secretValueFromJson(jsonField: string): SecretValue {
    checkJsonKey(this, this.initialValue, jsonField, () => isAttached(this));
    warnPlaceholderReference(this, this.initialValue, jsonField, this.name);
    return super.secretValueFromJson(jsonField);
  }

  /**
   * Refuses a hosted rotation of a value without the `username` and `password` keys it needs.
   */
  public addRotationSchedule(id: string, options: secretsmanager.RotationScheduleOptions): secretsmanager.RotationSchedule {
    checkHostedRotation(this, this.initialValue, options, () => isAttached(this));
    return super.addRotationSchedule(id, options);
  }
}
