/*
 * Where a read grant lands: the KMS key ARN a reader may decrypt with, and the account a principal is
 * in, for the cases CDK's own grantRead gets wrong (aliases, services, ArnPrincipals, keys in stacks
 * a policy cannot reference).
 */
import { ArnFormat, Fn, Stack, Stage, Token, TokenComparison } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';

/** The partition of a literal region (`aws` when CDK does not know the region). */
export function partitionOf(region: string): string {
  return RegionInfo.get(region).partition ?? 'aws';
}

/**
 * IAM matches kms:Decrypt only against key ARNs, never an alias ARN: for an alias, the key it targets,
 * or, for an alias imported by name (whose key synth cannot know), the account's keys carrying it.
 */
export function keyBehind(key: kms.IKey): { target?: kms.IKey; aliasName?: string } {
  if (!('aliasName' in key)) return { target: key };
  const alias = key as kms.IAlias;
  try {
    return { target: alias.aliasTargetKey };
  } catch {
    // Alias.fromAliasName has no target key, and says so by throwing.
    return { aliasName: alias.aliasName };
  }
}

/**
 * A service principal has no account, nor has an ArnPrincipal for CDK, which CDK's grantRead takes
 * for another account, and then refuses the AWS managed key ("KMS Key must be provided for cross
 * account access"). A service (or a principal whose ARN names the secret's account) is granted in
 * the secret's account, through the same resource and key policies.
 */
export function inSecretAccount(grantee: iam.IGrantable, stack: Stack): iam.IGrantable {
  const principal = grantee.grantPrincipal;
  if (principal.principalAccount !== undefined || Token.isUnresolved(stack.account)) return grantee;
  const account = principalAccountOf(principal);
  const service = account === undefined && !('AWS' in principal.policyFragment.principalJson);
  if (!service && account !== stack.account) return grantee;
  return { grantPrincipal: new PrincipalInAccount(principal, stack.account) };
}

/**
 * The execution role of an ECS task definition or AWS Batch container (`ecs.Secret.fromSecretsManager`
 * grants it), created there: its owner names it `executionRole`, and ECS tasks assume it. Duck-typed,
 * so that synth loads no aws-ecs.
 */
export function isExecutionRole(grantee: iam.IGrantable): boolean {
  const owner = Construct.isConstruct(grantee) ? grantee.node.scope : undefined;
  if (owner === undefined || (owner as { executionRole?: unknown }).executionRole !== grantee || !(grantee instanceof iam.Role)) return false;
  const trust = grantee.assumeRolePolicy ? Stack.of(grantee).resolve(grantee.assumeRolePolicy.toJSON()) : undefined;
  return JSON.stringify(trust ?? {}).includes('"ecs-tasks.amazonaws.com"');
}

/** The principal's account; CDK gives an ArnPrincipal none, but a literal IAM ARN names it. */
export function principalAccountOf(principal: iam.IPrincipal): string | undefined {
  if (principal.principalAccount !== undefined || !(principal instanceof iam.ArnPrincipal)) return principal.principalAccount;
  if (Token.isUnresolved(principal.arn)) return undefined;
  return /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(principal.arn)?.[1];
}

class PrincipalInAccount implements iam.IPrincipal {
  public readonly grantPrincipal: iam.IPrincipal = this;

  constructor(private readonly principal: iam.IPrincipal, public readonly principalAccount: string) {}

  public get assumeRoleAction(): string {
    return this.principal.assumeRoleAction;
  }

  public get policyFragment(): iam.PrincipalPolicyFragment {
    return this.principal.policyFragment;
  }

  public addToPolicy(statement: iam.PolicyStatement): boolean {
    return this.addToPrincipalPolicy(statement).statementAdded;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    return this.principal.addToPrincipalPolicy(statement);
  }
}

/**
 * The key's ARN, or, where the policy's stack cannot reference it (a key created in a stack of
 * another region, environment or stage, whose ARN CDK will not pass across), every key of the
 * account in that region (CDK's own cross-environment key grants take `*`). `kms:ViaService` still
 * limits it to decrypting through Secrets Manager, for secrets the reader may GetSecretValue.
 */
export function decryptableKeyArn(stack: Stack, key: kms.IKey, region: string, policyStack: Stack | undefined): string {
  if (!Token.isUnresolved(key.keyArn) || !policyStack) return key.keyArn;
  const keyStack = Stack.of(key);
  if (Stage.of(keyStack) === Stage.of(policyStack)) {
    if (keyStack.environment === policyStack.environment) return key.keyArn;
    // crossRegionReferences lets a stack read another region's value (never another account's).
    const sameAccount = Token.compareStrings(keyStack.account, policyStack.account) === TokenComparison.SAME;
    if (sameAccount && (policyStack as unknown as { _crossRegionReferences?: boolean })._crossRegionReferences === true) return key.keyArn;
  }
  return accountKeysArn(stack, region);
}

/** Every key of the secret's account in `region`. */
export function accountKeysArn(stack: Stack, region: string): string {
  if (Token.isUnresolved(stack.account) || Token.isUnresolved(region)) return stack.formatArn({ service: 'kms', region, resource: 'key', resourceName: '*' });
  return `arn:${partitionOf(region)}:kms:${region}:${stack.account}:key/*`;
}

/**
 * The ARN that IAM matches for this secret in `region`: its name plus the six-character suffix
 * Secrets Manager appends. Built from the literal name, so a function in another stack needs no
 * import, with an upper bound on its length as deployed for the policy size budget.
 */
export function grantArn(stack: Stack, region: string, secretName: string): { arn: string; deployedLength: number } {
  const suffix = `:secret:${secretName}-??????`;
  // Longest real values: partition aws-us-gov, region ap-southeast-5, a 12-digit account.
  const deployedLength = `arn:aws-us-gov:secretsmanager:ap-southeast-5:123456789012${suffix}`.length;
  if (Token.isUnresolved(secretName)) {
    // A name known only at deploy time can be up to 512 characters long.
    const arn = stack.formatArn({ service: 'secretsmanager', region, resource: 'secret', resourceName: `${secretName}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    return { arn, deployedLength: deployedLength + 512 };
  }
  if (Token.isUnresolved(stack.account) || Token.isUnresolved(region)) {
    // One Fn::Sub keeps the template small; a literal ARN (below) is sized exactly. A literal region
    // stays literal: the policy is in the reader's stack, whose own region may be another.
    const [partition, inRegion] = Token.isUnresolved(region) ? ['${AWS::Partition}', '${AWS::Region}'] : [partitionOf(region), region];
    return { arn: Fn.sub(`arn:${partition}:secretsmanager:${inRegion}:\${AWS::AccountId}${suffix}`), deployedLength };
  }
  const arn = `arn:${partitionOf(region)}:secretsmanager:${region}:${stack.account}${suffix}`;
  return { arn, deployedLength: arn.length };
}
