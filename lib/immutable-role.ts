/*
 * A role imported with `mutable: false` takes no policy from the app: CDK drops a grant to it silently,
 * so grantRead says what the role's own policy needs.
 */
import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { partitionOf } from './grant-scope';
import type { WiredSecret } from './wiring';

/** Warns when the principal is a role imported with `mutable: false`, listing what its own policy needs to read the secret in this region. */
export function warnIfRoleTakesNoPolicy(secret: WiredSecret, principal: iam.IPrincipal, key: kms.IKey | undefined, region: string): void {
  const role = immutableRole(principal);
  if (role) warnRoleTakesNoPolicy(secret, role, grantArnText(secret, region), key, region);
}

/**
 * A role imported with `mutable: false` (`Role.fromRoleArn`, `withoutPolicyUpdates`), to which CDK adds no
 * policy: it drops the grant, or, with `addGrantsToResources`, grants in resource policies. Duck-typed:
 * aws-iam keeps the class private.
 */
function immutableRole(principal: iam.IPrincipal): ImmutableRoleLike | undefined {
  const fields = principal as unknown as { roleArn?: unknown; addGrantsToResources?: unknown; role?: unknown };
  if (typeof fields.roleArn !== 'string' || typeof fields.addGrantsToResources !== 'boolean' || fields.role === undefined) return undefined;
  // Named by its ARN, or, where that is a token, by its path.
  const name = Token.isUnresolved(fields.roleArn) && Construct.isConstruct(principal) ? `'${principal.node.path}'` : fields.roleArn;
  return { name, toResources: fields.addGrantsToResources, atLaunch: Construct.isConstruct(principal) && isImportedExecutionRole(principal) };
}

/**
 * Whether an imported role is the execution role of an ECS task or AWS Batch container (their
 * `executionRole`), read with by the agent, which calls GetSecretValue only. A walk of the tree, done
 * only for roles imported with `mutable: false`.
 */
function isImportedExecutionRole(role: Construct): boolean {
  return role.node.root.node.findAll().some((node) => (node as { executionRole?: unknown }).executionRole === role);
}

interface ImmutableRoleLike {
  readonly name: string;
  /** Whether CDK grants it in resource policies instead (addGrantsToResources). */
  readonly toResources: boolean;
  /** Whether it is an ECS or AWS Batch execution role, which needs no BatchGetSecretValue. */
  readonly atLaunch: boolean;
}

/** The grant's ARN as a user would write it into a policy. */
function grantArnText(secret: WiredSecret, region: string): string {
  const stack = Stack.of(secret);
  if (Token.isUnresolved(stack.account) || Token.isUnresolved(region) || Token.isUnresolved(secret.secretName)) {
    return `arn:<partition>:secretsmanager:<region>:<account>:secret:${Token.isUnresolved(secret.secretName) ? '<name>' : secret.secretName}-??????`;
  }
  return `arn:${partitionOf(region)}:secretsmanager:${region}:${stack.account}:secret:${secret.secretName}-??????`;
}

/** The id of the warning about a role that takes no policy, to acknowledge it with. */
const ROLE_TAKES_NO_POLICY_WARNING = 'cdk-app-secrets:role-takes-no-policy';

/** CDK says nothing when it drops a grant to an immutable role, and BatchGetSecretValue cannot go into a resource policy. */
function warnRoleTakesNoPolicy(secret: WiredSecret, role: ImmutableRoleLike, arn: string, key: kms.IKey | undefined, region: string): void {
  // The resource policy allows what an execution role reads with.
  if (role.toResources && role.atLaunch) return;
  const name = role.name;
  const acknowledge = `; once its policy allows these, acknowledge this warning: Annotations.of(secret).acknowledgeWarning('${ROLE_TAKES_NO_POLICY_WARNING}')`;
  const batch = 'secretsmanager:BatchGetSecretValue on * (getSecrets reads several secrets in one request)';
  if (role.toResources) {
    Annotations.of(secret).addWarningV2(ROLE_TAKES_NO_POLICY_WARNING,
      `grantRead was given role ${name}, imported with mutable: false, which is granted in the secret's resource policy, but secretsmanager:BatchGetSecretValue, ` +
      "which getSecrets uses to read several secrets in one request, takes no resource, so only the role's own policy can allow it. " +
      `Fix: allow secretsmanager:BatchGetSecretValue on * in its policy where it is managed${acknowledge}.`);
    return;
  }
  const needed = [`secretsmanager:GetSecretValue and secretsmanager:DescribeSecret on ${arn}`, ...role.atLaunch ? [] : [batch],
    ...key ? [`kms:Decrypt on the secret's key with kms:ViaService secretsmanager.${region}.amazonaws.com`] : []];
  const listed = needed.length === 1 ? needed[0] : `${needed.slice(0, -1).join(', ')}, and ${needed[needed.length - 1]}`;
  Annotations.of(secret).addWarningV2(ROLE_TAKES_NO_POLICY_WARNING,
    `grantRead was given role ${name}, imported with mutable: false, so CDK added nothing to its policy and the read would be denied. ` +
    `Fix: allow, in its policy where it is managed, ${listed}; ` +
    'or import the role with addGrantsToResources: true, which grants it in the secret\'s resource policy' +
    `${role.atLaunch ? '' : ' (BatchGetSecretValue still needs its own policy)'}${acknowledge}.`);
}
