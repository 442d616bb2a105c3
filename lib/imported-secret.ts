import { Annotations, ArnFormat, Resource, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { attachWired } from './attachment';
import { partialSecretArn, secretEnvKey } from './env-contract';
import { isExecutionRole, partitionOf } from './grant-scope';
import type { AppSecretImportProps, IAppSecret } from './secret-construct';
import { invalidProp, LOOKS_LIKE_ARN_SUFFIX, validateEnvKey, validateLogicalName, validateSecretName, warnIfNameLooksLikeArnSuffix, Where } from './validation';
import { grantReadAndWire } from './wiring';

/**
 * aws-cdk-lib's abstract `SecretBase`, which every secret class of aws-cdk-lib extends (also the
 * one `Secret.fromSecretAttributes` returns), but which it does not export: it is the class in
 * `secretsmanager.Secret`'s chain that extends `Resource` directly (decorators may wrap `Secret`).
 * Its instances are typed as the `ISecret` of whatever aws-cdk-lib the user has, so members newer
 * versions add to `ISecret` are inherited, never re-declared here.
 */
const SecretBase = findSecretBase() as abstract new (scope: Construct, id: string) => secretsmanager.ISecret;

function findSecretBase(): unknown {
  let cls: unknown = secretsmanager.Secret;
  while (cls && Object.getPrototypeOf(cls) !== Resource) cls = Object.getPrototypeOf(cls);
  if (!cls) throw new Error('cdk-app-secrets: aws-cdk-lib has no SecretBase class under secretsmanager.Secret');
  return cls;
}

/** A secret created outside this app, wired and granted like an AppSecret. */
export class ImportedAppSecret extends SecretBase implements IAppSecret {
  public readonly name: string;
  public readonly envKey: string;
  public readonly secretName: string;
  public readonly secretArn: string;
  public readonly encryptionKey?: kms.IKey;
  protected readonly autoCreatePolicy = false;

  /** A partial ARN has no full ARN; CDK then grants on `<partial arn>-??????`. */
  public get secretFullArn(): string | undefined {
    return undefined;
  }

  constructor(scope: Construct, id: string, props: AppSecretImportProps) {
    super(scope, id);
    refuseArn(this, props.secretName, props.name);
    validateSecretName(this, 'secretName', props.secretName);
    warnIfNameLooksLikeArnSuffix(this, 'secretName', props.secretName);
    this.secretName = props.secretName;
    this.name = props.name ?? props.secretName;
    const passName = "keep secretName and pass name, the logical name handlers read it by with getEnv, e.g. name: 'stripe-api-key'";
    if (props.name === undefined && Token.isUnresolved(props.secretName)) {
      throw invalidProp(this, 'name', 'is not set, and secretName is an unresolved token, but the environment variable key is derived from the logical name at synth time', passName);
    }
    if (props.name === undefined) {
      // The existing secret keeps its name; only the logical name, which nothing deploys, can change.
      const suggestion = props.secretName.replace(/^[^A-Za-z]+/, '').slice(0, 256) || 'stripe-api-key';
      validateLogicalName(this, 'secretName (used as name)', this.name,
        `keep secretName and pass name, the logical name handlers read it by with getEnv, e.g. name: '${suggestion}'`);
    } else {
      validateLogicalName(this, 'name', this.name);
    }
    this.envKey = resolveEnvKey(this, this.name, props.envKey);
    this.encryptionKey = props.encryptionKey;
    this.secretArn = Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: props.secretName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /**
   * Grants read access and wires Lambda functions exactly like `AppSecret.grantRead`.
   */
  public grantRead(grantee: iam.IGrantable, versionStages?: string[]): iam.Grant {
    if (isExecutionRole(grantee)) warnEcsNeedsCompleteArn(this, grantee);
    return grantReadAndWire(this, grantee, versionStages, { cdkGrantRead: (g, stages) => super.grantRead(g, stages) });
  }

  /**
   * Attaches the secret to a database, as `AppSecret.attach` does: the attachment (`db.secret` of a
   * database made with `rds.Credentials.fromSecret`) grants read access exactly like this secret.
   *
   * @param target the database instance or cluster to attach
   */
  public attach(target: secretsmanager.ISecretAttachmentTarget): secretsmanager.ISecret {
    return attachWired(this, target, (t) => super.attach(t));
  }
}

/** The given envKey, or the one derived from the logical name; either way legal for Lambda. */
export function resolveEnvKey(scope: Where, name: string, envKey: string | undefined): string {
  if (envKey !== undefined && Token.isUnresolved(envKey)) {
    throw invalidProp(scope, 'envKey', "is an unresolved token (a CfnParameter, an attribute, ...), but CloudFormation takes only literal keys in a function's environment",
      `use a literal key, or leave envKey out to get AppSecret.envKeyFor(name) ('${secretEnvKey(name)}')`);
  }
  const key = envKey ?? secretEnvKey(name);
  validateEnvKey(scope, envKey === undefined ? `the environment variable key derived from name '${name}'` : 'envKey', key);
  return key;
}

/** An ARN fails the name check on its ':'; the fix for it is the name inside, not other characters. */
function refuseArn(scope: Construct, secretName: string, name: string | undefined): void {
  if (Token.isUnresolved(secretName) || !secretName.startsWith('arn:')) return;
  // A complete ARN ends in '-' and 6 random characters, but so may a name ('app/db-prod01'): say which part to drop.
  const afterSecret = secretName.split(':secret:')[1];
  const suffix = LOOKS_LIKE_ARN_SUFFIX.exec(afterSecret ?? '')?.[0];
  refuseArnElsewhere(scope, secretName, name ?? (afterSecret ?? '').replace(LOOKS_LIKE_ARN_SUFFIX, ''));
  const pass = afterSecret === undefined ? "the secret's name"
    : suffix === undefined ? `'${afterSecret}'`
      : `'${afterSecret.slice(0, -suffix.length)}' if '${suffix}' is the random suffix Secrets Manager added (a complete ARN), else '${afterSecret}'`;
  throw invalidProp(scope, 'secretName', `'${secretName}' is an ARN, but fromSecretName takes the name of a secret in this stack's account and region`,
    `pass secretName: ${pass} (the part after ':secret:'). For a secret of another account or region, ` +
    'import it with secretsmanager.Secret.fromSecretCompleteArn, grantRead it, and set its ARN in the function\'s environment yourself');
}

/**
 * The name inside another account's or region's ARN would find another secret (or none) in the
 * stack's own: that ARN needs an import that keeps it. `name` is the logical name its variable is
 * derived from (as given, else the ARN's name without its random suffix).
 */
function refuseArnElsewhere(scope: Construct, arn: string, name: string): void {
  const stack = Stack.of(scope);
  const [, , , region, account, resource] = arn.split(':');
  if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region) || resource !== 'secret' || !region || !account) return;
  const elsewhere = [account !== stack.account ? `account ${account}` : '', region !== stack.region ? `region ${region}` : ''].filter(Boolean);
  if (elsewhere.length === 0) return;
  const envKey = secretEnvKey(name);
  throw invalidProp(scope, 'secretName', `'${arn}' is the ARN of a secret in ${elsewhere.join(', ')}, but fromSecretName imports only secrets in this stack's account and region ` +
    `(${stack.account}, ${stack.region}), where the name inside it finds another secret or none`,
  'import it with secretsmanager.Secret.fromSecretAttributes(this, id, { secretCompleteArn, encryptionKey }) (encryptionKey: its customer-managed key, if it has one), ' +
    `grantRead it, and set the ARN in the function's environment yourself (fn.addEnvironment('${envKey}', arn)), which getEnv reads` +
    (account !== stack.account ? `. From another account, the secret's resource policy and its key's policy in account ${account} must also allow the function's role, ` +
      'and a secret under the AWS managed key cannot be read from another account at all' : ''));
}

/**
 * ECS (and AWS Batch) fetch a container's secret by the ARN in its task definition and need the complete
 * one: with the ARN an import by name has, which lacks the random suffix, the container does not start.
 */
function warnEcsNeedsCompleteArn(secret: ImportedAppSecret, role: iam.IGrantable): void {
  const stack = Stack.of(secret);
  const known = !Token.isUnresolved(stack.account) && !Token.isUnresolved(stack.region) && !Token.isUnresolved(secret.secretName);
  const arn = known ? partialSecretArn(partitionOf(stack.region), stack.region, stack.account, secret.secretName)
    : `arn:<partition>:secretsmanager:<region>:<account>:secret:${Token.isUnresolved(secret.secretName) ? '<name>' : secret.secretName}`;
  Annotations.of(secret).addWarningV2('cdk-app-secrets:ecs-needs-complete-arn',
    `secret '${secret.secretName}' is read by the ECS or AWS Batch agent with execution role '${(role as unknown as Construct).node.path}', which needs the secret's complete ARN ` +
    `(ending in the 6 characters Secrets Manager appends to the name) to start the container, but an import by name has only the ARN without it (${arn}), ` +
    'so the container would not start (the agent is denied or finds no secret). ' +
    `Fix: pass the container secretsmanager.Secret.fromSecretCompleteArn(this, id, '${arn}-<suffix>') ` +
    `(aws secretsmanager describe-secret --secret-id ${secret.secretName} --query ARN prints it); this import still wires Lambda functions.`);
}
