import { Annotations, CfnResource, Stack, Stage, Token, TokenComparison } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { partialSecretArn } from './env-contract';
import { guardFunction } from './environment-guard';
import { accountKeysArn, decryptableKeyArn, grantArn, inSecretAccount, isExecutionRole, keyBehind, partitionOf, principalAccountOf } from './grant-scope';
import { warnIfRoleTakesNoPolicy } from './immutable-role';
import { grantMerged } from './merged-grants';
import { resolvedEnvironment, validateEnvironmentSize } from './service-limits';
import { invalidProp } from './validation';

/** What wiring needs to know about a secret, created here or imported. */
export interface WiredSecret extends Construct {
  readonly secretName: string;
  readonly envKey: string;
  readonly encryptionKey?: kms.IKey;
}

export interface WiringOptions {
  /** Replicas of a secret created here: a reader in a replica's region reads the replica. */
  readonly replicaRegions?: secretsmanager.ReplicaRegion[];
  /** The secret's resource, that readers in other stacks must deploy after. */
  readonly resource?: CfnResource;
  /** CDK's own grantRead, for principals that need the secret's resource policy. */
  readonly cdkGrantRead: (grantee: iam.IGrantable, versionStages?: string[]) => iam.Grant;
}

/** Per function: which secret wrote which key, and the value it wrote. */
interface WiredKey {
  readonly secret: WiredSecret;
  readonly value: string;
}
const keysByFunction = new WeakMap<lambda.Function, Map<string, WiredKey>>();

/** Where a copy of the secret is read from, as the grant and the environment variable need it. */
interface ReadLocation {
  readonly crossAccount: boolean;
  /** The region read from, when it is not the secret's own (a replica). */
  readonly replica?: secretsmanager.ReplicaRegion;
  /** Whether the reader needs the ARN (another region or account), not just the name. */
  readonly byArn: boolean;
  /** The stack of the policy's principal (its role), else of the reader. */
  readonly policyStack?: Stack;
}

/**
 * `grantRead` for AppSecret and imported AppSecrets: least-privilege grant plus, for a Lambda
 * function (or the function behind an alias, version or singleton), the environment variable.
 */
export function grantReadAndWire(secret: WiredSecret, grantee: iam.IGrantable, versionStages: string[] | undefined,
  options: WiringOptions): iam.Grant {
  if (versionStages?.length === 0) {
    throw invalidProp(secret, 'versionStages', 'is empty, so the grant would match no version of the secret',
      "leave versionStages out to grant every version, or name the stages, e.g. ['AWSCURRENT']");
  }
  const fn = functionBehind(secret, grantee);
  const location = readLocation(secret, grantee, fn, options);
  const grant = location.crossAccount
    ? options.cdkGrantRead(grantee, versionStages)
    : grantSameAccount(secret, grantee, versionStages, location, options.cdkGrantRead);
  // Another account, or a principal without an identity policy (a service), reads through the resource policy.
  if (!options.resource && (location.crossAccount || !grant.principalStatement)) warnPoliciesOfImportedSecret(secret, grantee, location.crossAccount);
  if (fn) wireInto(secret, fn, envValue(secret, location));
  dependOnSecret(secret, fn ?? grantee, options.resource);
  return grant;
}

/** CDK cannot change the resource policy or key policy of a secret it did not create, and says nothing. */
function warnPoliciesOfImportedSecret(secret: WiredSecret, grantee: iam.IGrantable, crossAccount: boolean): void {
  const principal = grantee.grantPrincipal;
  const json = principal.policyFragment.principalJson;
  const names: unknown = Stack.of(secret).resolve(json.AWS ?? json.Service);
  const listed = Array.isArray(names) && names.length > 0 && names.every((name) => typeof name === 'string') ? names.join(', ') : undefined;
  const reader = listed ?? 'the reader\'s role ARN';
  Annotations.of(secret).addWarningV2('cdk-app-secrets:imported-secret-policies',
    `grantRead was called for ${crossAccount ? `account ${principal.principalAccount}` : listed ?? 'a principal without an identity policy'}, ` +
    `which reads through the secret's resource policy, but secret '${secret.secretName}' was not created in this app, so its resource policy ` +
    "and its key's policy cannot be changed here, and the read would be denied. " +
    `Fix: allow secretsmanager:GetSecretValue and secretsmanager:DescribeSecret for ${reader} in the secret's resource policy ` +
    `(aws secretsmanager put-resource-policy --secret-id ${secret.secretName} --resource-policy file://policy.json), ` +
    "and kms:Decrypt for it in the key policy of the secret's customer-managed key, if it has one.");
}

/** The `lambda.Function` whose environment AppSecret can write, if any; says so when there is none. */
function functionBehind(secret: WiredSecret, grantee: iam.IGrantable): lambda.Function | undefined {
  if (grantee instanceof lambda.Function) return grantee;
  // SingletonFunction keeps its one function private; it is a lambda.Function all the same.
  if (grantee instanceof lambda.SingletonFunction) {
    const inner: unknown = (grantee as unknown as { lambdaFunction?: unknown }).lambdaFunction;
    if (inner instanceof lambda.Function) return inner;
  }
  // Versions and aliases (fn.currentVersion, lambda.Alias, and fn.latestVersion, which is no
  // QualifiedFunctionBase) run the function they qualify.
  const qualified: unknown = (grantee as { lambda?: unknown }).lambda;
  if (grantee instanceof lambda.FunctionBase && qualified !== grantee && qualified instanceof lambda.FunctionBase) {
    warnIfPublishedBefore(secret, grantee, qualified);
    return functionBehind(secret, qualified);
  }
  if (grantee instanceof cloudfront.experimental.EdgeFunction) {
    // Lambda@Edge refuses environment variables, and runs in every region, where only the ARN finds the secret.
    Annotations.of(secret).addWarningV2('cdk-app-secrets:function-not-wired',
      `grantRead gave '${grantee.node.path}' read access, but it is a Lambda@Edge function, which cannot have environment variables, ` +
      `so none was written and the handler will not find '${secret.envKey}'. Fix: read the secret by its ARN in the handler's code, ` +
      `${edgeSecretId(secret)} (Lambda@Edge runs in many regions; the ARN reads the secret from its own).`);
    return undefined;
  }
  if (grantee instanceof lambda.FunctionBase) {
    Annotations.of(secret).addWarningV2('cdk-app-secrets:function-not-wired',
      `grantRead gave '${grantee.node.path}' read access, but it is a Lambda function defined outside this app (or of a kind AppSecret cannot change), ` +
      `so no environment variable was written and the handler will not find '${secret.envKey}'. Fix: set ${secret.envKey}=${importedFunctionValue(secret, grantee)} ` +
      'in that function\'s environment where it is defined, or call grantRead with the lambda.Function itself.');
  }
  return undefined;
}

/**
 * A version imported with `fromVersionAttributes` (or an alias of one) was published before this deploy
 * and keeps its environment: the variable goes into the function, and only later versions get it.
 */
function warnIfPublishedBefore(secret: WiredSecret, grantee: lambda.FunctionBase, fn: lambda.FunctionBase): void {
  const version: unknown = grantee instanceof lambda.Alias ? grantee.version : grantee;
  const number = (version as { version?: unknown }).version;
  // lambda.Version (fn.currentVersion too) is published by this deploy; fn.latestVersion is $LATEST.
  if (version instanceof lambda.Version || typeof number !== 'string' || number === '$LATEST') return;
  Annotations.of(secret).addWarningV2('cdk-app-secrets:version-published-before',
    `grantRead was given '${grantee.node.path}', which runs version ${number} of function '${fn.node.path}', published before this app wrote '${secret.envKey}' into the function: ` +
    'a published version keeps the environment it was published with, so only versions published after this deploy have the variable (the read access applies to every version). ' +
    'Fix: grant fn.currentVersion (or an alias of it), which CDK publishes anew when the environment changes, or publish a version after the deploy and point the alias at it.');
}

/**
 * The value an imported function must set: the name, or the partial ARN when the function's own ARN
 * puts it in another region or account, where the name finds no secret.
 */
function importedFunctionValue(secret: WiredSecret, fn: lambda.FunctionBase): string {
  const stack = Stack.of(secret);
  if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region) || Token.isUnresolved(secret.secretName)) return secret.secretName;
  const elsewhere = Token.compareStrings(fn.env.account, stack.account) === TokenComparison.DIFFERENT ||
    Token.compareStrings(fn.env.region, stack.region) === TokenComparison.DIFFERENT;
  return elsewhere ? partialSecretArn(partitionOf(stack.region), stack.region, stack.account, secret.secretName) : secret.secretName;
}

/** The id a Lambda@Edge handler must read, from any region: the partial ARN where synth knows it. */
function edgeSecretId(secret: WiredSecret): string {
  const stack = Stack.of(secret);
  if (Token.isUnresolved(stack.region) || Token.isUnresolved(stack.account) || Token.isUnresolved(secret.secretName)) {
    return `arn:<partition>:secretsmanager:<region>:<account>:secret:${Token.isUnresolved(secret.secretName) ? '<name>' : secret.secretName}`;
  }
  return partialSecretArn(partitionOf(stack.region), stack.region, stack.account, secret.secretName);
}

function readLocation(secret: WiredSecret, grantee: iam.IGrantable, fn: lambda.Function | undefined, options: WiringOptions): ReadLocation {
  const stack = Stack.of(secret);
  const principalAccount = principalAccountOf(grantee.grantPrincipal);
  const readerStack = fn ? Stack.of(fn) : Construct.isConstruct(grantee) ? Stack.of(grantee) : undefined;
  const account = principalAccount !== undefined ? Token.compareStrings(principalAccount, stack.account) : TokenComparison.SAME;
  const crossAccount = account === TokenComparison.DIFFERENT;
  if (crossAccount && !secret.encryptionKey) {
    throw invalidProp(secret, 'encryptionKey', `is not set, but grantRead was called for account ${principalAccount}, and the AWS managed key cannot be used from another account`,
      'set encryptionKey to a customer-managed kms.Key, whose key policy CDK extends to the other account');
  }
  if (account === TokenComparison.ONE_UNRESOLVED && !Token.isUnresolved(principalAccount)) {
    Annotations.of(secret).addWarningV2('cdk-app-secrets:cross-account-undecidable',
      `grantRead was called for account ${principalAccount}, but stack '${stack.node.path}' has no account, so synth cannot tell whether that is another account. ` +
      'It is granted as the same account (identity policy only); from another account the read would be denied' +
      (secret.encryptionKey ? '' : ', and the AWS managed key cannot be used from another account at all') +
      `. Fix: give stack '${stack.node.path}' an env with its account` + (secret.encryptionKey ? '.' : ', and set encryptionKey to a customer-managed kms.Key.'));
  }
  const readerRegion = readerStack?.region;
  const region = readerRegion !== undefined ? Token.compareStrings(readerRegion, stack.region) : TokenComparison.SAME;
  if (fn && region === TokenComparison.ONE_UNRESOLVED && Token.isUnresolved(stack.region)) {
    Annotations.of(secret).addWarningV2('cdk-app-secrets:region-undecidable',
      `function '${fn.node.path}' is in region ${readerRegion}, but stack '${stack.node.path}' has no region, so synth cannot tell whether the secret is in another region; ` +
      `the function gets the bare name and finds the secret only in its own region. Fix: give stack '${stack.node.path}' an env with account and region.`);
  }
  // A copy in the reader's region: a function AppSecret wires reads the replica there (same account;
  // across accounts, the primary, whose resource and key policies the grant extends). Any other
  // reader reads the ARN it was given, which is the primary's (secretArn, what CDK's constructs pass on).
  const replica = fn !== undefined && !crossAccount && region === TokenComparison.DIFFERENT
    ? options.replicaRegions?.find((r) => r.region === readerRegion)
    : undefined;
  // The ARN works from anywhere; a name only in the secret's own account and region. It needs the
  // secret stack's region; where the stacks have no region, both sides share one environment.
  const knownEnvironment = !Token.isUnresolved(stack.account) && !Token.isUnresolved(stack.region);
  const readerElsewhere = crossAccount || region !== TokenComparison.SAME ||
    (readerStack !== undefined && Token.compareStrings(readerStack.account, stack.account) !== TokenComparison.SAME);
  if (crossAccount && !knownEnvironment) {
    throw invalidProp(secret, 'grantRead', `was called for account ${principalAccount}, but stack '${stack.node.path}' has no region, and a reader in another account needs the secret's ARN`,
      `give stack '${stack.node.path}' an env with account and region`);
  }
  // The policy goes on the principal's role, which may sit in another stack than the grantee (an
  // EdgeFunction defined outside us-east-1 has its function and role in CDK's us-east-1 stack).
  const principal = grantee.grantPrincipal;
  const policyStack = Construct.isConstruct(principal) ? Stack.of(principal) : readerStack;
  // Stacks with a region but no account deploy to one account (the CLI's): the ARN then takes the
  // account the reader's stack deploys to.
  return { crossAccount, replica, byArn: fn !== undefined && !Token.isUnresolved(stack.region) && readerElsewhere, policyStack };
}

/** The name, or for a reader in another region or account the (partial) ARN it must read. */
function envValue(secret: WiredSecret, location: ReadLocation): string {
  if (!location.byArn) return secret.secretName;
  const stack = Stack.of(secret);
  const region = location.replica?.region ?? stack.region;
  return partialSecretArn(partitionOf(region), region, stack.account, secret.secretName);
}

function grantSameAccount(secret: WiredSecret, grantee: iam.IGrantable, versionStages: string[] | undefined, location: ReadLocation,
  cdkGrantRead: WiringOptions['cdkGrantRead']): iam.Grant {
  const stack = Stack.of(secret);
  const readRegion = location.replica?.region ?? stack.region;
  const arn = memoizedGrantArn(secret, readRegion);
  const read = grantMerged(grantee, {
    mergeKey: `secretsmanager-read:${(versionStages ?? []).join(',')}`,
    actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
    resourceArns: [arn.arn],
    resourceSizes: [arn.deployedLength],
    conditions: versionStages
      ? { 'ForAnyValue:StringEquals': { 'secretsmanager:VersionStage': versionStages } }
      : undefined,
  });
  const key = location.replica ? location.replica.encryptionKey : secret.encryptionKey;
  warnIfRoleTakesNoPolicy(secret, grantee.grantPrincipal, key, readRegion);
  if (!read.success) {
    // Principals without an identity policy (service or account principals) are granted
    // through the secret's resource policy instead.
    if (location.replica) return read;
    const inAccount = inSecretAccount(grantee, stack);
    if (!secret.encryptionKey && inAccount.grantPrincipal.principalAccount === undefined && !Token.isUnresolved(stack.account)) {
      // An organization (or any principal without an account) reads from accounts CDK cannot name.
      throw invalidProp(secret, 'encryptionKey', `is not set, but grantRead was called for ${inAccount.grantPrincipal}, which reads through the secret's resource policy ` +
        'from accounts that may be other than this one, and the AWS managed key cannot be used from another account',
      'set encryptionKey to a customer-managed kms.Key, whose key policy CDK extends to the principal');
    }
    return cdkGrantRead(inAccount, versionStages);
  }

  // BatchGetSecretValue takes no resource scoping, so it can only be granted on '*'. It returns
  // only the secrets the caller may also GetSecretValue, so it widens nothing on its own. The ECS
  // agent, which reads a container's secrets with the execution role, never batches: no '*' there.
  let grant = isExecutionRole(grantee) ? read : read.combine(grantMerged(grantee, {
    mergeKey: 'secretsmanager-batch',
    actions: ['secretsmanager:BatchGetSecretValue'],
    resourceArns: ['*'],
  }));

  // A replica is encrypted with its own key (or the region's AWS managed key).
  if (key) {
    const viaService = `secretsmanager.${readRegion}.amazonaws.com`;
    const { target, aliasName } = keyBehind(key);
    grant = grant.combine(grantMerged(grantee, {
      mergeKey: `kms-decrypt:${viaService}${target ? '' : `:${aliasName}`}`,
      actions: ['kms:Decrypt'],
      resourceArns: [target ? decryptableKeyArn(stack, target, readRegion, location.policyStack) : accountKeysArn(stack, readRegion)],
      conditions: {
        StringEquals: { 'kms:ViaService': viaService },
        ...(target ? {} : { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': aliasName } }),
      },
    }));
  }
  return grant;
}

/** Each secret's grant ARN per region (see grantArn). */
const grantArns = new WeakMap<WiredSecret, Map<string, { arn: string; deployedLength: number }>>();

/** One token per secret and region, so that a second grant of the same secret adds nothing. */
function memoizedGrantArn(secret: WiredSecret, region: string): { arn: string; deployedLength: number } {
  let arns = grantArns.get(secret);
  if (!arns) grantArns.set(secret, arns = new Map());
  let arn = arns.get(region);
  if (!arn) arns.set(region, arn = grantArn(Stack.of(secret), region, secret.secretName));
  return arn;
}

function wireInto(secret: WiredSecret, fn: lambda.Function, value: string): void {
  let keys = keysByFunction.get(fn);
  if (!keys) {
    const wired = new Map<string, WiredKey>();
    keys = wired;
    keysByFunction.set(fn, wired);
    fn.node.addValidation({ validate: () => [...validateEnvironmentSize(fn, wired.size), ...overwrittenKeys(fn, wired)] });
    guardFunction(fn.node.defaultChild as lambda.CfnFunction);
  }
  const holder = keys.get(secret.envKey);
  // Another secret of the same name is the same secret only where it writes the same value (not in another region).
  const sameValue = holder !== undefined && JSON.stringify(Stack.of(fn).resolve(holder.value)) === JSON.stringify(Stack.of(fn).resolve(value));
  if (holder && (holder.secret.secretName !== secret.secretName || !sameValue)) {
    const replaced = holder.secret.secretName === secret.secretName && !Token.isUnresolved(value) ? `, and this secret would replace it with ${value}` : '';
    throw invalidProp(secret, 'envKey',
      `'${secret.envKey}' is already used on function '${fn.node.path}' by secret '${holder.secret.node.path}' (${holder.secret.secretName})${replaced}`,
      `set a different envKey on one of the two secrets, e.g. envKey: '${secret.envKey.replace(/_SECRET_NAME$/, '')}_2_SECRET_NAME'`);
  }
  // The function's own variable may already hold this very name (code written before AppSecret): kept as it is.
  const own = holder ? undefined : resolvedEnvironment(fn)[secret.envKey];
  if (own !== undefined && JSON.stringify(own) !== JSON.stringify(Stack.of(fn).resolve(value))) {
    // The user's own value may be a secret: it is named by where it came from, never shown.
    throw invalidProp(secret, 'envKey',
      `'${secret.envKey}' is already set on function '${fn.node.path}' by the function itself (its environment prop or an earlier addEnvironment), and grantRead would replace it with this secret's name`,
      'choose another envKey for this secret, or rename the function\'s own variable');
  }
  keys.set(secret.envKey, { secret, value });
  // Should a CloudFront distribution run the function as Lambda@Edge, CDK removes the variable instead
  // of failing on it, and overwrittenKeys says what to do instead.
  fn.addEnvironment(secret.envKey, value, { removeInEdge: true });
}

/**
 * Keys a later `fn.addEnvironment` replaced after grantRead wrote them, and keys CDK removed because a
 * CloudFront distribution runs the function as Lambda@Edge (it does so while preparing the app, before validation).
 */
function overwrittenKeys(fn: lambda.Function, keys: Map<string, WiredKey>): string[] {
  const variables = resolvedEnvironment(fn);
  const stack = Stack.of(fn);
  return [...keys].filter(([key, { value }]) => JSON.stringify(variables[key]) !== JSON.stringify(stack.resolve(value)))
    .map(([key, { secret }]) => key in variables
      ? `AppSecret '${secret.node.path}': envKey '${key}' on function '${fn.node.path}' was written by grantRead with this secret's name, ` +
        `then replaced by a later addEnvironment('${key}', ...) on the function, so the handler would read something else. ` +
        'Fix: remove that addEnvironment call, or give this secret another envKey.'
      : invalidProp(secret, 'envKey', `'${key}' cannot be written into function '${fn.node.path}', which runs as Lambda@Edge (a CloudFront distribution uses its version), ` +
        'and Lambda@Edge functions cannot have environment variables',
      "grant the function's role instead, secret.grantRead(fn.role!), which grants read access without the variable, " +
        `and read the secret in the handler by its ARN, ${edgeSecretId(secret)} (Lambda@Edge runs in many regions; the ARN reads the secret from its own)`).message);
}

/**
 * The environment variable is a literal, so CDK sees no reference from the reader's stack to the
 * secret's: without this, the reader's stack could deploy before the secret exists.
 */
function dependOnSecret(secret: WiredSecret, reader: iam.IGrantable | lambda.Function, resource: CfnResource | undefined): void {
  if (!resource || !Construct.isConstruct(reader)) return;
  if (Stack.of(reader) === Stack.of(resource)) return;
  const readerStage = Stage.of(reader);
  const secretStage = Stage.of(resource);
  if (readerStage !== secretStage) {
    // CDK refuses dependencies across stages; the stages' own order (a pipeline's waves) decides.
    const [readerIn, secretIn] = [readerStage, secretStage].map((stage) => stage?.node.path ? `stage '${stage.node.path}'` : 'the app');
    Annotations.of(secret).addWarningV2('cdk-app-secrets:reader-in-other-stage',
      `${reader instanceof lambda.Function ? 'function' : 'grantee'} '${reader.node.path}' is in ${readerIn}, and the secret in ${secretIn}, ` +
      'and CDK allows no dependency across stages, so nothing makes the reader deploy after the secret. ' +
      `Fix: deploy ${secretIn} before ${readerIn} (e.g. an earlier pipeline wave), or create the secret in the reader's stage.`);
    return;
  }
  reader.node.addDependency(resource);
}
