import { Annotations, CfnOutput, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, IConstruct } from 'constructs';

/*
 * Service limits a template can break only at deploy time, checked at synth instead.
 */

/** Lambda's limit on the JSON form of a function's whole environment map, in bytes. */
const LAMBDA_ENV_LIMIT_BYTES = 4096;
/** CloudFormation's limit on outputs per stack. */
const CFN_OUTPUT_LIMIT = 200;
/** IAM: characters of inline policy per role (all inline policies together), of one managed policy, managed policies per role. */
export const IAM_INLINE_LIMIT = 10_240;
export const IAM_MANAGED_POLICY_LIMIT = 6_144;
export const IAM_MANAGED_POLICIES_PER_ROLE = 10;

const stacksWithOutputCheck = new WeakSet<Stack>();

export function checkOutputCountAtSynth(stack: Stack, isNameOutput: (output: IConstruct) => boolean): void {
  if (stacksWithOutputCheck.has(stack)) return;
  stacksWithOutputCheck.add(stack);
  stack.node.addValidation({
    validate: () => {
      const outputs = stack.node.findAll().filter((c) => c instanceof CfnOutput && Stack.of(c) === stack);
      if (outputs.length <= CFN_OUTPUT_LIMIT) return [];
      const nameOutputs = outputs.filter(isNameOutput).length;
      return [
        `AppSecret: stack '${stack.node.path}' has ${outputs.length} outputs, over CloudFormation's limit of ${CFN_OUTPUT_LIMIT}; ` +
        `${nameOutputs} of them are AppSecret name outputs. Fix: set nameOutput: false on AppSecrets (granted functions get the name ` +
        'in their environment anyway), or split the secrets across stacks.',
      ];
    },
  });
}

/** The function's environment variables as they will be synthesized (tokens as CloudFormation JSON). */
export function resolvedEnvironment(fn: lambda.Function): Record<string, unknown> {
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  const environment = Stack.of(fn).resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined;
  return environment?.variables ?? {};
}

export function validateEnvironmentSize(fn: lambda.Function, secretKeyCount: number): string[] {
  const variables = resolvedEnvironment(fn);
  const stack = Stack.of(fn);
  // Values CloudFormation fills in (a resource's name or ARN, a parameter, an import) count as empty:
  // their CloudFormation JSON is no measure of them (longer for an import, shorter for a queue URL).
  let unknown = 0;
  const countUnknown = (): string => {
    unknown++;
    return '';
  };
  const deployed = Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, deployedText(stack, value, countUnknown)]));
  const size = Buffer.byteLength(JSON.stringify(deployed), 'utf8');
  const measured = unknown === 0 ? `${size} bytes as JSON` : `at least ${size} bytes as JSON, without the ${unknown} values CloudFormation fills in at deploy time`;
  const fix = 'group related values into one JSON secret (secretObjectValue) and read it with getSecretJson, use shorter names or envKeys, or grant fewer secrets to this function.';
  if (size > LAMBDA_ENV_LIMIT_BYTES) {
    return [
      `AppSecret: the environment of function '${fn.node.path}' is ${measured}, over Lambda's limit of ${LAMBDA_ENV_LIMIT_BYTES} bytes ` +
      `(${Object.keys(variables).length} variables, ${secretKeyCount} of them secret names). Fix: ${fix}`,
    ];
  }
  if (size + unknown * UNKNOWN_REFERENCE_LENGTH > LAMBDA_ENV_LIMIT_BYTES) {
    const average = Math.floor((LAMBDA_ENV_LIMIT_BYTES - size) / unknown);
    Annotations.of(fn).addWarningV2('cdk-app-secrets:environment-may-exceed-limit',
      `AppSecret: the environment of function '${fn.node.path}' is ${size} bytes as JSON without the ${unknown} values CloudFormation fills in at deploy time ` +
      '(references to resources, parameters or other stacks), ' +
      `and passes Lambda's limit of ${LAMBDA_ENV_LIMIT_BYTES} bytes if they average more than ${average} characters (a queue URL or a function ARN has 80 to 100), ` +
      `which the deploy would fail on (${Object.keys(variables).length} variables, ${secretKeyCount} of them secret names). ` +
      `Fix, unless those values are known to be shorter: ${fix}`);
  }
  return [];
}

const checkedRoles = new WeakSet<iam.IRole>();

/**
 * Checks, at synth and after CDK's policy splitting (an aspect), that every policy of the role as
 * deployed stays within IAM's limits. CDK sizes tokenized ARNs at 150 characters and does not
 * count other inline policies of the role, so its split can still produce policies IAM refuses.
 */
export function checkRolePolicySizesAtSynth(principal: iam.IPrincipal): void {
  if (principal instanceof iam.User || principal instanceof iam.Group) {
    checkUserOrGroupPolicySizeAtSynth(principal);
    return;
  }
  if (!isRole(principal) || checkedRoles.has(principal)) return;
  checkedRoles.add(principal);
  principal.node.addValidation({ validate: () => rolePolicyErrors(principal) });
}

function isRole(principal: iam.IPrincipal): principal is iam.IRole {
  return Construct.isConstruct(principal) && 'roleArn' in principal && 'roleName' in principal;
}

interface DeployedPolicy {
  readonly path: string;
  readonly size: number;
  readonly longestResource: number;
}

function rolePolicyErrors(role: iam.IRole): string[] {
  const { inline, managed, managedArnCount } = policiesOf(role);
  const errors: string[] = [];
  const inlineSize = inline.reduce((sum, p) => sum + p.size, 0);
  const longest = Math.max(0, ...[...inline, ...managed].map((p) => p.longestResource));
  const regroup = 'group related values into one JSON secret (secretObjectValue) read with getSecretJson, give the functions their own roles instead of one shared role';
  // The context only changes how CDK splits the policy of a role created in the app, and only
  // when the ARNs are longer than its estimate.
  const sizeFix = !(role.node.defaultChild instanceof iam.CfnRole)
    ? `${regroup}, or give them a role created in this app: CDK does not move the statements of an imported role into managed policies`
    : longest <= arnSizeEstimate(role) ? regroup
      : `${regroup}, or set the context "@aws-cdk/aws-iam.arnSizeEstimate": ${longest} in cdk.json so that CDK splits the policy by the ARNs' real length ` +
        '(in an environment-agnostic stack; a stack with an account and region gets literal ARNs, sized exactly)';
  if (inlineSize > IAM_INLINE_LIMIT) {
    errors.push(`AppSecret: role '${role.node.path}' has ${inlineSize} characters of inline policy as deployed ` +
      `(${inline.map((p) => `'${p.path}' ${p.size}`).join(', ')}), over IAM's limit of ${IAM_INLINE_LIMIT} per role. Fix: ${sizeFix}.`);
  }
  for (const policy of managed) {
    if (policy.size > IAM_MANAGED_POLICY_LIMIT) {
      errors.push(`AppSecret: managed policy '${policy.path}' of role '${role.node.path}' is ${policy.size} characters as deployed, ` +
        `over IAM's limit of ${IAM_MANAGED_POLICY_LIMIT} per managed policy. Fix: ${sizeFix}.`);
    }
  }
  const managedCount = managed.length + managedArnCount;
  if (managedCount > IAM_MANAGED_POLICIES_PER_ROLE) {
    errors.push(`AppSecret: role '${role.node.path}' has ${managedCount} managed policies attached (${managed.length} of them overflow policies CDK created for its grants), ` +
      `over IAM's default limit of ${IAM_MANAGED_POLICIES_PER_ROLE} per role. Fix: grant fewer secrets to this role (group related values into one JSON secret, ` +
      'or give the functions their own roles), or raise the "Managed policies per role" quota (up to 20) before deploying.');
  }
  return errors;
}

/** IAM: characters of inline policy per user and per group (all inline policies together). */
export const IAM_USER_INLINE_LIMIT = 2_048;
export const IAM_GROUP_INLINE_LIMIT = 5_120;
const checkedIdentities = new WeakSet<iam.User | iam.Group>();

/** A user's or group's inline policies: CDK never moves them into managed policies, so the limit is hard. */
function checkUserOrGroupPolicySizeAtSynth(identity: iam.User | iam.Group): void {
  if (checkedIdentities.has(identity)) return;
  checkedIdentities.add(identity);
  identity.node.addValidation({ validate: () => userOrGroupPolicyErrors(identity) });
}

function userOrGroupPolicyErrors(identity: iam.User | iam.Group): string[] {
  const isUser = identity instanceof iam.User;
  const [kind, limit] = isUser ? ['user', IAM_USER_INLINE_LIMIT] : ['group', IAM_GROUP_INLINE_LIMIT];
  const stack = Stack.of(identity);
  const cfn = identity.node.defaultChild as iam.CfnUser | iam.CfnGroup;
  const ref = JSON.stringify({ Ref: stack.getLogicalId(cfn) });
  const inline: DeployedPolicy[] = [];
  for (const c of identity.node.root.node.findAll()) {
    if (!(c instanceof iam.CfnPolicy) || Stack.of(c) !== stack) continue;
    const attached = stack.resolve(isUser ? c.users : c.groups) as unknown[] | undefined;
    if (attached?.some((entry) => JSON.stringify(entry) === ref)) inline.push(measure(stack, c.node.path, stack.resolve(c.policyDocument)));
  }
  for (const p of (stack.resolve(cfn.policies) as Array<{ policyDocument: unknown }> | undefined) ?? []) {
    inline.push(measure(stack, cfn.node.path, p.policyDocument));
  }
  const size = inline.reduce((sum, p) => sum + p.size, 0);
  if (size <= limit) return [];
  return [
    `AppSecret: ${kind} '${identity.node.path}' has ${size} characters of inline policy as deployed (${inline.map((p) => `'${p.path}' ${p.size}`).join(', ')}), ` +
    `over IAM's limit of ${limit} per ${kind}. Fix: grant the secrets to a role the ${kind === 'user' ? 'user assumes' : "group's users assume"} ` +
    `(${IAM_INLINE_LIMIT} characters, and CDK moves the rest into managed policies), group related values into one JSON secret (secretObjectValue) read with getSecretJson, ` +
    `or grant fewer secrets to this ${kind}.`,
  ];
}

/** The length CDK assumes for a tokenized ARN when it splits a role's policy. */
function arnSizeEstimate(role: iam.IRole): number {
  const fromContext: unknown = role.node.tryGetContext('@aws-cdk/aws-iam.arnSizeEstimate');
  return typeof fromContext === 'number' ? fromContext : UNKNOWN_REFERENCE_LENGTH;
}

function policiesOf(role: iam.IRole): { inline: DeployedPolicy[]; managed: DeployedPolicy[]; managedArnCount: number } {
  const cfnRole = role.node.defaultChild instanceof iam.CfnRole ? role.node.defaultChild : undefined;
  const roleStack = Stack.of(role);
  // A role created here is referenced by { Ref } in its own stack; an imported role by its name.
  const refersToRole = (stack: Stack, entry: unknown): boolean => cfnRole
    ? stack === roleStack && JSON.stringify(entry) === JSON.stringify({ Ref: roleStack.getLogicalId(cfnRole) })
    : !Token.isUnresolved(role.roleName) && entry === role.roleName;
  const inline: DeployedPolicy[] = [];
  const managed: DeployedPolicy[] = [];
  for (const c of role.node.root.node.findAll()) {
    if (!(c instanceof iam.CfnPolicy) && !(c instanceof iam.CfnManagedPolicy)) continue;
    const stack = Stack.of(c);
    const roles = stack.resolve(c.roles) as unknown[] | undefined;
    if (!roles?.some((entry) => refersToRole(stack, entry))) continue;
    const measured = measure(stack, c.node.path, stack.resolve(c.policyDocument));
    (c instanceof iam.CfnPolicy ? inline : managed).push(measured);
  }
  let managedArnCount = 0;
  if (cfnRole) {
    for (const p of (roleStack.resolve(cfnRole.policies) as Array<{ policyDocument: unknown }> | undefined) ?? []) {
      inline.push(measure(roleStack, cfnRole.node.path, p.policyDocument));
    }
    managedArnCount = ((roleStack.resolve(cfnRole.managedPolicyArns) as unknown[] | undefined) ?? []).length;
  }
  return { inline, managed, managedArnCount };
}

/**
 * A policy document's length as IAM counts it: whitespace-free JSON, with CloudFormation's pseudo
 * parameters replaced by the stack's literal account and region, or by the longest real values
 * when they are unknown. A reference to a resource counts 150 characters, the size CDK assumes.
 */
function measure(stack: Stack, path: string, document: unknown): DeployedPolicy {
  if (!document) return { path, size: 0, longestResource: 0 };
  const deployed = substitute(stack, document);
  const resources = ((deployed as { Statement?: Array<{ Resource?: unknown }> }).Statement ?? [])
    .flatMap((s) => [s.Resource ?? []].flat()).filter((r): r is string => typeof r === 'string');
  return { path, size: JSON.stringify(deployed).length, longestResource: Math.max(0, ...resources.map((r) => r.length)) };
}

const UNKNOWN_REFERENCE_LENGTH = 150;

/** Real values of CloudFormation's pseudo parameters where the stack does not know them: the longest, for sizes that must not be under-counted, and the shortest. */
const PSEUDO_PARAMETERS: Record<string, { readonly of: (stack: Stack) => string; readonly longest: string; readonly shortest: string }> = {
  'AWS::Partition': { of: (stack) => stack.partition, longest: 'aws-us-gov', shortest: 'aws' },
  'AWS::Region': { of: (stack) => stack.region, longest: 'ap-southeast-5', shortest: 'us-east-1' },
  'AWS::AccountId': { of: (stack) => stack.account, longest: '123456789012', shortest: '123456789012' },
  'AWS::URLSuffix': { of: (stack) => stack.urlSuffix, longest: 'amazonaws.com.cn', shortest: 'amazonaws.com' },
};

function pseudo(stack: Stack, name: string, bound: 'longest' | 'shortest' = 'longest'): string | undefined {
  const parameter = Object.prototype.hasOwnProperty.call(PSEUDO_PARAMETERS, name) ? PSEUDO_PARAMETERS[name] : undefined;
  if (!parameter) return undefined;
  const known = parameter.of(stack);
  return Token.isUnresolved(known) ? parameter[bound] : known;
}

/**
 * A variable's value as deployed: pseudo parameters put in (the shortest real values where the stack
 * does not know them, so that nothing is over-counted), joins joined, and every other reference
 * replaced by what `unknown()` gives.
 */
function deployedText(stack: Stack, value: unknown, unknown: () => string): string {
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return JSON.stringify(value) ?? '';
  const entries = Object.entries(value as Record<string, unknown>);
  const [fn, arg] = entries.length === 1 ? entries[0] : [];
  if (fn === 'Ref') return pseudo(stack, String(arg), 'shortest') ?? unknown();
  if (fn === 'Fn::Join' && Array.isArray(arg) && Array.isArray(arg[1])) {
    return (arg[1] as unknown[]).map((part) => deployedText(stack, part, unknown)).join(String(arg[0]));
  }
  if (fn === 'Fn::Sub' && (typeof arg === 'string' || (Array.isArray(arg) && typeof arg[0] === 'string' && arg[1] === undefined))) {
    const template = Array.isArray(arg) ? arg[0] as string : arg;
    return template.replace(/\$\{([^}!]+)\}/g, (_, name: string) => pseudo(stack, name, 'shortest') ?? unknown());
  }
  return unknown();
}

function substitute(stack: Stack, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => substitute(stack, v));
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [fn, arg] = entries[0];
    if (fn === 'Ref') return pseudo(stack, String(arg)) ?? 'x'.repeat(UNKNOWN_REFERENCE_LENGTH);
    if (fn === 'Fn::Sub') {
      const template = String(Array.isArray(arg) ? arg[0] : arg);
      return template.replace(/\$\{([^}]+)\}/g, (_, name: string) => pseudo(stack, name) ?? 'x'.repeat(UNKNOWN_REFERENCE_LENGTH));
    }
    if (fn === 'Fn::Join') {
      const [separator, parts] = arg as [string, unknown[]];
      return parts.map((p) => substitute(stack, p)).join(separator);
    }
    if (fn.startsWith('Fn::')) return 'x'.repeat(UNKNOWN_REFERENCE_LENGTH);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, substitute(stack, v)]));
}
