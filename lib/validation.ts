import { Annotations, CfnDeletionPolicy, CfnResource, IResource, Reference, SecretValue, Stack, TagManager, Token, TokenComparison, Tokenization } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';
import { isValidEnvKey } from './env-contract';

/**
 * Every synth-time error names the construct path, the property, the rule it broke and the fix,
 * so that nothing reaches CloudFormation that would fail there later.
 */
export function invalidProp(scope: Where, property: string, problem: string, fix: string): Error {
  return new Error(`AppSecret '${pathOf(scope)}': ${property} ${problem}. Fix: ${fix}`);
}

/**
 * A construct, or the path a construct is about to get: AppSecret validates its props before it
 * calls `super()` (it extends `secretsmanager.Secret`), when there is no `this` yet.
 */
export type Where = IConstruct | string;

export function pathOf(scope: Where): string {
  return typeof scope === 'string' ? scope : scope.node.path;
}

/** The path a construct with this id will get under scope. */
export function childPath(scope: IConstruct, id: string): string {
  return scope.node.path ? `${scope.node.path}/${id}` : id;
}

/** Characters Secrets Manager allows in a secret name. */
const SECRET_NAME_CHARS = /^[A-Za-z0-9/_+=.@-]+$/;
/** Partial-ARN lookups treat a name ending in `-` and six characters as an ARN's random suffix. */
export const LOOKS_LIKE_ARN_SUFFIX = /-[A-Za-z0-9]{6}$/;
export const MAX_SECRET_NAME_LENGTH = 512;
/** Secrets Manager's limit on a secret's description. */
export const MAX_DESCRIPTION_LENGTH = 2048;

export function validateSecretName(scope: Where, property: string, secretName: string): void {
  if (Token.isUnresolved(secretName)) return;
  if (secretName.length < 1 || secretName.length > MAX_SECRET_NAME_LENGTH) {
    throw invalidProp(scope, property, `'${secretName}' is ${secretName.length} characters long, but Secrets Manager names are 1 to ${MAX_SECRET_NAME_LENGTH} characters`,
      'use a shorter name or environment, or set secretName to a shorter full name');
  }
  if (!SECRET_NAME_CHARS.test(secretName)) {
    throw invalidProp(scope, property, `'${secretName}' contains characters Secrets Manager does not allow (only A-Z a-z 0-9 / _ + = . @ - are allowed)`,
      'remove or replace the other characters');
  }
}

export function warnIfNameLooksLikeArnSuffix(scope: IConstruct, property: string, secretName: string): void {
  if (Token.isUnresolved(secretName)) return;
  if (LOOKS_LIKE_ARN_SUFFIX.test(secretName)) {
    Annotations.of(scope).addWarningV2('cdk-app-secrets:name-looks-like-arn-suffix',
      `${property} '${secretName}' ends with '-' and six characters, which partial-ARN lookups mistake for the random suffix Secrets Manager appends; rename it (for example replace the last '-' with '_') unless you only ever look it up by full name or ARN.`);
  }
}

/** Environment names become one segment of the secret name, so no `/`. */
const ENVIRONMENT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_+=.@-]{0,63}$/;

export function validateEnvironment(scope: Where, property: string, environment: string): void {
  if (Token.isUnresolved(environment)) return;
  if (!ENVIRONMENT_PATTERN.test(environment)) {
    throw invalidProp(scope, property, `'${environment}' is not a valid environment name (1 to 64 of A-Z a-z 0-9 _ + = . @ -, starting with a letter or digit, no '/')`,
      "use a name such as 'dev' or 'prod'");
  }
}

/** Logical names become the last segments of the secret name and the source of the env var key. */
const LOGICAL_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9/_+=.@-]{0,255}$/;

export function validateLogicalName(scope: Where, property: string, name: string,
  fix = "use a name such as 'stripe-api-key' or 'db/credentials'"): void {
  if (Token.isUnresolved(name)) {
    throw invalidProp(scope, property, 'is an unresolved token, but the environment variable key is derived from it at synth time',
      'use a literal name (to adopt a name known only at deploy time, pass it as secretName and keep name literal)');
  }
  if (!LOGICAL_NAME_PATTERN.test(name)) {
    throw invalidProp(scope, property, `'${name}' is not a valid secret name (1 to 256 of A-Z a-z 0-9 / _ + = . @ -, starting with a letter)`, fix);
  }
}

/** Keys Lambda reserves for itself: setting them fails the deployment. */
export const LAMBDA_RESERVED_ENV_KEYS: ReadonlySet<string> = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);

export function validateEnvKey(scope: Where, property: string, key: string): void {
  if (!isValidEnvKey(key)) {
    throw invalidProp(scope, property, `'${key}' is not a legal Lambda environment variable key (it must match [a-zA-Z][a-zA-Z0-9_]+)`,
      property === 'envKey' ? 'choose a key that matches' : 'set envKey to a legal key, or rename the secret so it starts with a letter');
  }
  if (LAMBDA_RESERVED_ENV_KEYS.has(key)) {
    throw invalidProp(scope, property, `'${key}' is reserved by Lambda`, 'choose another key');
  }
}

/** Dynamic references CloudFormation resolves only in a short list of properties, not SecretString. */
const SSM_SECURE_REFERENCE = '{{resolve:ssm-secure:';

export function validateSecretObjectValue(scope: Where, stack: Stack, values: { [key: string]: SecretValue }): void {
  const keys = Object.keys(values);
  if (keys.length === 0) {
    throw invalidProp(scope, 'secretObjectValue', 'is empty', 'give it at least one key, or leave it out to get a placeholder');
  }
  for (const key of keys) {
    const value = values[key].unsafeUnwrap();
    if (!Token.isUnresolved(value)) {
      throw invalidProp(scope, `secretObjectValue.${key}`, 'is plain text, which would be written into the CloudFormation template',
        'use a value resolved at deploy time (SecretValue.cfnParameter of a NoEcho parameter, SecretValue.secretsManager, SecretValue.resourceAttribute), or leave the key out and set it after deploy');
    }
    // Resolving a dynamic reference yields only the reference text, never the value it stands for.
    if (JSON.stringify(stack.resolve(value)).includes(SSM_SECURE_REFERENCE)) {
      throw invalidProp(scope, `secretObjectValue.${key}`, "is an SSM SecureString reference (SecretValue.ssmSecure), which CloudFormation does not resolve in a secret's SecretString: the deploy would fail",
        'use SecretValue.cfnParameter of a NoEcho parameter, SecretValue.secretsManager, or SecretValue.resourceAttribute; or leave the key out and set it after deploy with put-secret-value');
    }
  }
}

/** Secrets Manager encrypts a secret (and each replica) only with a KMS key of the same region; CloudFormation fails otherwise. */
export function validateKeyRegion(scope: Where, property: string, key: IResource, region: string, what: string, example: string): void {
  const error = keyRegionError(scope, property, key.env.region, region, what, example);
  if (error) throw error;
}

function keyRegionError(scope: Where, property: string, keyRegion: string, region: string, what: string, example: string): Error | undefined {
  if (Token.compareStrings(keyRegion, region) !== TokenComparison.DIFFERENT) return undefined;
  return invalidProp(scope, property, `is a key in region ${keyRegion}, but ${what} is in ${region}, and Secrets Manager encrypts a secret only with a KMS key of its own region`,
    `use a key in ${region} (for example ${example}, or a replica of a multi-Region key there)`);
}

/**
 * Keys of another region than their replica, as `addReplicaRegion(region, key)` added them after the
 * props were checked. The method cannot be overridden to check at once: its key parameter is `IKey` in
 * older aws-cdk-lib and `IKeyRef` in newer, and jsii takes no override with another type. So the
 * replicas are read back (the key's ARN is all `Secret` keeps) from `Secret`'s own list, whose
 * tokens still lead to the key's resource.
 */
export function replicaKeyRegionErrors(secret: IConstruct): string[] {
  const replicas: unknown = (secret as unknown as { replicaRegions?: unknown }).replicaRegions;
  if (!Array.isArray(replicas)) return [];
  return replicas.flatMap(({ region, kmsKeyId }: { region?: unknown; kmsKeyId?: unknown }) => {
    if (typeof region !== 'string' || typeof kmsKeyId !== 'string') return [];
    const keyRegion = regionOfKeyArn(kmsKeyId);
    const error = keyRegion && keyRegionError(secret, `encryptionKey of addReplicaRegion('${region}')`, keyRegion, region, 'the replica', 'a kms.Key of a stack in that region');
    return error ? [error.message] : [];
  });
}

/** The region of a key (or alias) ARN: the stack of the key's resource, or the ARN's region field. */
function regionOfKeyArn(arn: string): string | undefined {
  const fragments = Tokenization.reverseString(arn);
  const token = fragments.firstToken;
  if (fragments.length === 1 && token && Reference.isReference(token)) return Stack.of(token.target).region;
  const region = arn.startsWith('arn:') ? arn.split(':')[3] : undefined;
  return region && !Token.isUnresolved(region) ? region : undefined;
}

/** What Secrets Manager refuses in a GenerateSecretString at deploy time. */
export function validateGenerateSecretString(scope: Where, generate: secretsmanager.SecretStringGenerator): void {
  const template = generate.secretStringTemplate;
  if (template !== undefined && !Token.isUnresolved(template) && !isJsonObject(template)) {
    throw invalidProp(scope, 'generateSecretString.secretStringTemplate', 'is not a JSON object, but Secrets Manager adds the generated key to a JSON object',
      "build it with JSON.stringify, e.g. secretStringTemplate: JSON.stringify({ username: 'admin' })");
  }
  const length = generate.passwordLength;
  if (length !== undefined && !Token.isUnresolved(length) && !(Number.isInteger(length) && length >= 1 && length <= 4096)) {
    throw invalidProp(scope, 'generateSecretString.passwordLength', `is ${length}, but Secrets Manager generates 1 to 4096 characters`,
      'use a length from 1 to 4096 (the default is 32)');
  }
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** Secrets Manager keeps one replica per region, never in the primary's own region. */
export function validateReplicaRegions(scope: Where, stack: Stack, replicas: secretsmanager.ReplicaRegion[]): void {
  replicas.forEach(({ region }, i) => {
    if (Token.isUnresolved(region)) return;
    if (!Token.isUnresolved(stack.region) && region === stack.region) {
      throw invalidProp(scope, `replicaRegions[${i}].region`, `is ${region}, the region of stack '${stack.node.path}', where the secret itself is`,
        'leave it out of replicaRegions');
    }
    const first = replicas.findIndex((other) => other.region === region);
    if (first < i) {
      throw invalidProp(scope, `replicaRegions[${i}].region`, `is ${region}, which replicaRegions[${first}] already names, and a secret has one replica per region`,
        'list each region once');
    }
  });
}

/** Secrets Manager's tag rules (keys 1 to 128 characters, values up to 256, no key starting with aws:). */
const MAX_TAG_KEY_LENGTH = 128;
const MAX_TAG_VALUE_LENGTH = 256;

export function validateTags(scope: Where, tags: { [key: string]: string }): void {
  for (const [key, value] of Object.entries(tags)) {
    const broken = tagProblem(key, value, '');
    if (broken) throw invalidProp(scope, 'tags', broken.problem, broken.fix);
  }
}

/**
 * Tags as synthesized, after the Tag aspects of `Tags.of(scope)` on the secret or any scope above it
 * (the stack, the app) ran: CDK checks none of Secrets Manager's rules, and CloudFormation would fail.
 */
export function renderedTagErrors(secret: IConstruct, cfn: CfnResource): string[] {
  const rendered = TagManager.of(cfn)?.tagValues() ?? {};
  return Object.entries(rendered).flatMap(([key, value]) => {
    const broken = tagProblem(key, value, ' (added by Tags.of on the secret or a scope above it)');
    if (!broken) return [];
    const keepOff = `Tags.of(scope).add('${key}', value, { excludeResourceTypes: ['AWS::SecretsManager::Secret'] })`;
    return [invalidProp(secret, 'tags', broken.problem, `${broken.fix}, or keep the tag off secrets: ${keepOff}`).message];
  });
}

/** What Secrets Manager refuses in one tag; `origin` says where the tag came from. */
function tagProblem(key: string, value: string, origin: string): { problem: string; fix: string } | undefined {
  if (Token.isUnresolved(key)) return undefined;
  if (key.length < 1 || key.length > MAX_TAG_KEY_LENGTH) {
    return {
      problem: `key '${key}'${origin} is ${key.length} characters long, but Secrets Manager takes tag keys of 1 to ${MAX_TAG_KEY_LENGTH} characters`,
      fix: key.length < 1 ? 'give the tag a key' : 'shorten it',
    };
  }
  if (key.toLowerCase().startsWith('aws:')) {
    return {
      problem: `key '${key}'${origin} starts with 'aws:', a prefix AWS reserves for its own tags, so Secrets Manager refuses it`,
      fix: `use another prefix, e.g. '${key.slice(4) || 'owner'}'`,
    };
  }
  if (!Token.isUnresolved(value) && value.length > MAX_TAG_VALUE_LENGTH) {
    return {
      problem: `value of '${key}'${origin} is ${value.length} characters long, but Secrets Manager takes tag values of at most ${MAX_TAG_VALUE_LENGTH} characters`,
      fix: 'shorten it',
    };
  }
  return undefined;
}

/** Regions named twice in the secret as synthesized, where `addReplicaRegion` may have added some after the props were checked. */
export function duplicateReplicaRegionErrors(secret: IConstruct, cfn: secretsmanager.CfnSecret): string[] {
  const replicas = Stack.of(secret).resolve(cfn.replicaRegions) as Array<{ region?: unknown }> | undefined;
  const regions = (replicas ?? []).map((replica) => replica.region).filter((region): region is string => typeof region === 'string');
  const twice = [...new Set(regions.filter((region, i) => regions.indexOf(region) !== i))];
  return twice.map((region) => invalidProp(secret, 'replicaRegions',
    `names ${region} twice (counting the regions addReplicaRegion added), and a secret has one replica per region`, 'add each region once').message);
}

/** Why RemovalPolicy.SNAPSHOT is refused (without CDK's validateSnapshotRemovalPolicy flag, CDK writes DeletionPolicy: Snapshot as it is), and what to use instead. */
export const SNAPSHOT_REASON = 'CloudFormation takes snapshots only of databases and volumes, never of a secret, so no copy of its value would be kept';
export const SNAPSHOT_FIX = 'use RemovalPolicy.RETAIN (the default) to keep the value, or RemovalPolicy.DESTROY to delete it with the stack';

/** SNAPSHOT as synthesized: `applyRemovalPolicy`, `RemovalPolicies.of(scope)` and `cfnOptions` set it after the props were checked. */
export function snapshotPolicyErrors(secret: IConstruct, cfn: CfnResource): string[] {
  const { deletionPolicy, updateReplacePolicy } = cfn.cfnOptions;
  if (deletionPolicy !== CfnDeletionPolicy.SNAPSHOT && updateReplacePolicy !== CfnDeletionPolicy.SNAPSHOT) return [];
  return [invalidProp(secret, 'removal policy', `is SNAPSHOT (set after the props, e.g. with applyRemovalPolicy or RemovalPolicies.of), but ${SNAPSHOT_REASON}`, SNAPSHOT_FIX).message];
}
