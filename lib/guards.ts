import { Annotations, CfnResource, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { PLACEHOLDER_MARKER_KEY } from './env-contract';
import { isExecutionRole } from './grant-scope';
import { topLevelStack } from './naming';
import { readersOf, renderedJsonOnce } from './synth-index';
import { invalidProp } from './validation';

/** What the secret holds when it is created, as far as the structured-value checks need to know. */
export interface InitialValue {
  /** JSON keys of the initial value, or undefined when it is not a JSON object. */
  readonly keys?: string[];
  /** Whether it is AppSecret's placeholder. */
  readonly placeholder: boolean;
  /** Whether it is a generated plain string (no JSON template), which has no keys at all. */
  readonly plainString?: boolean;
  /** The property the value comes from, for errors about it. */
  readonly property: 'generateSecretString' | 'secretObjectValue';
}

export const PLACEHOLDER_KEYS = [PLACEHOLDER_MARKER_KEY, 'random'];

/** The generateSecretString that gives a database user's secret the keys rotation and rds need. */
const STRUCTURED_FIX = "generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'admin' }), generateStringKey: 'password', excludePunctuation: true } " +
  '(and secret.attach(database) to add engine, host and port), or rds.DatabaseSecret for a database user';

/** What a value without JSON key `key` gives, as the key errors say it: a plain string, or other keys. */
export function lacksKey(value: InitialValue, key: string): string {
  return value.plainString ? `gives a plain string, not JSON, which has no JSON key '${key}'` : `gives the keys ${value.keys!.join(', ')}, which do not include '${key}'`;
}

const checkedJsonKeys = new WeakMap<IConstruct, Set<string>>();

/**
 * A dynamic reference to a JSON key the initial value lacks fails the first deploy, e.g. a
 * database created with `rds.Credentials.fromSecret(appSecret)` finds no password. A key a JSON
 * template or object value lacks is checked at synth: an attachment to a database, which may follow,
 * adds keys (engine, host, port).
 */
export function checkJsonKey(secret: IConstruct, value: InitialValue, key: string, attached: () => boolean): void {
  if (key !== '' && value.keys && !value.placeholder && !value.keys.includes(key)) {
    let checked = checkedJsonKeys.get(secret);
    if (!checked) checkedJsonKeys.set(secret, checked = new Set());
    if (checked.has(key)) return;
    checked.add(key);
    secret.node.addValidation({
      validate: () => attached() ? [] : [invalidProp(secret, value.property, `${lacksKey(value, key)}; ` +
        `a dynamic reference to it (secretValueFromJson('${key}')) fails the first deploy`, `reference one of the keys it has, or add '${key}' to ${value.property}`).message],
    });
    return;
  }
  if (key === '' || !(value.placeholder || value.plainString) || (value.placeholder && PLACEHOLDER_KEYS.includes(key))) return;
  const problem = value.placeholder ? 'is not set, so the secret starts as the placeholder' : 'gives a plain string, not JSON';
  throw invalidProp(secret, 'generateSecretString', `${problem}, which has no JSON key '${key}'; ` +
    `a dynamic reference to it (secretValueFromJson('${key}'), rds.Credentials.fromSecret) fails the first deploy`,
  `give the secret its keys from the start: ${STRUCTURED_FIX}`);
}

/** The id of the warning about a dynamic reference to the placeholder, to acknowledge it with. */
export const PLACEHOLDER_REFERENCE_WARNING = 'cdk-app-secrets:placeholder-reference';

/**
 * A dynamic reference resolves to the value the secret holds when CloudFormation deploys the resource
 * that uses it: the placeholder, when both deploy together. It is only a warning, since a value set
 * between the secret's deploy and the reader's is what the user wants.
 */
export function warnPlaceholderReference(secret: IConstruct, value: InitialValue, key: string, name: string): void {
  if (!value.placeholder) return;
  const member = key === '' ? 'secretValue' : `secretValueFromJson('${key}')`;
  Annotations.of(secret).addWarningV2(PLACEHOLDER_REFERENCE_WARNING,
    `${member} of '${secret.node.path}' is a dynamic reference to a secret that starts as AppSecret's placeholder: CloudFormation puts in the value the secret holds ` +
    'when it deploys the resource that uses it, which is the placeholder until a value is set (always so when both deploy together), ' +
    'and it does not update that resource when the value is set later. ' +
    'Fix: to read the secret at run time, appSecret.grantRead(fn) and getSecrets in the handler; for a value CloudFormation may generate (a password), ' +
    'set generateSecretString; to pass on a value you set yourself, deploy the secret first, set its value ' +
    `(npx cdk-app-secrets set ${name} --stack ${topLevelStack(secret).node.path}), only then deploy what references it, ` +
    `and acknowledge this warning after the reference is taken: Annotations.of(secret).acknowledgeWarning('${PLACEHOLDER_REFERENCE_WARNING}').`);
}

/** The id of the warning about a hosted rotation of a value that lacks the keys it reads. */
const ROTATION_KEYS_WARNING = 'cdk-app-secrets:rotation-needs-structured-value';

/**
 * Hosted rotation functions read username and password from the secret, and connect to the database
 * with its host and engine; without them every rotation fails. Host and engine come from an attachment
 * to the database (which may follow the schedule, so that is checked at synth), or from the template.
 */
export function checkHostedRotation(secret: IConstruct, value: InitialValue, options: secretsmanager.RotationScheduleOptions,
  attached: () => boolean): void {
  // A template synth cannot parse (a token) has keys, only unknown ones.
  if (!options.hostedRotation || (!value.placeholder && !value.plainString && value.keys === undefined)) return;
  const missing = ['username', 'password'].filter((key) => !value.keys?.includes(key));
  if (missing.length === 0) {
    const connection = ['host', 'engine'].filter((key) => !value.keys?.includes(key));
    if (connection.length === 0) return;
    secret.node.addValidation({ validate: () => attached() ? [] : missingConnectionKeys(secret, value, connection, options) });
    return;
  }
  const problem = value.placeholder
    ? 'is not set, so the secret starts as the placeholder'
    : value.keys ? `gives the keys ${value.keys.join(', ')}` : 'gives a plain string, not JSON';
  const error = invalidProp(secret, 'generateSecretString', `${problem}, but a hosted rotation needs the JSON keys username and password (missing: ${missing.join(', ')}); ` +
    'the first rotation would fail', `give the secret its keys from the start: ${STRUCTURED_FIX}`);
  if (options.rotateImmediatelyOnUpdate === false) {
    // The value can still be set by hand before the first scheduled rotation.
    Annotations.of(secret).addWarningV2(ROTATION_KEYS_WARNING, `${error.message} (or set the value by hand before the first rotation)`);
    return;
  }
  throw error;
}

function missingConnectionKeys(secret: IConstruct, value: InitialValue, missing: string[],
  options: secretsmanager.RotationScheduleOptions): string[] {
  const into = value.property === 'secretObjectValue' ? 'secretObjectValue' : 'secretStringTemplate';
  const error = invalidProp(secret, value.property, `gives the keys ${value.keys!.join(', ')}, but a hosted rotation also connects with the JSON keys host and engine ` +
    `(missing: ${missing.join(', ')}), which an attachment to the database adds, and the secret is attached to none; every rotation would fail`,
  'attach the secret to its database (secret.attach(database), or create the database with rds.Credentials.fromSecret(secret)), ' +
    `or, for a database outside this app, add ${missing.join(' and ')} to ${into}`);
  if (options.rotateImmediatelyOnUpdate === false) {
    // On the secret's resource: CDK applies an acknowledgement on the secret to its children's later warnings, not its own.
    Annotations.of(secret.node.defaultChild ?? secret).addWarningV2(ROTATION_KEYS_WARNING, `${error.message} (or set the value by hand before the first rotation)`);
    return [];
  }
  return [error.message];
}

/** The initial value's JSON keys, from generateSecretString or secretObjectValue. */
export function initialValue(props: {
  readonly generateSecretString?: secretsmanager.SecretStringGenerator;
  readonly secretObjectValue?: { [key: string]: unknown };
}): InitialValue {
  if (props.secretObjectValue) return { keys: Object.keys(props.secretObjectValue), placeholder: false, property: 'secretObjectValue' };
  const property = 'generateSecretString';
  const generate = props.generateSecretString;
  if (!generate) return { keys: PLACEHOLDER_KEYS, placeholder: true, property };
  if (generate.secretStringTemplate === undefined && generate.generateStringKey === undefined) {
    return { placeholder: false, plainString: true, property };
  }
  if (generate.secretStringTemplate === undefined || generate.generateStringKey === undefined) return { placeholder: false, property };
  try {
    return { keys: [...Object.keys(JSON.parse(generate.secretStringTemplate)), generate.generateStringKey], placeholder: false, property };
  } catch {
    return { placeholder: false, property };
  }
}

/** The id of the warning about the placeholder read when an ECS or AWS Batch container starts. */
export const PLACEHOLDER_AT_LAUNCH_WARNING = 'cdk-app-secrets:placeholder-at-launch';

/**
 * `ecs.Secret.fromSecretsManager` grants the execution role, with which the agent puts the value into
 * the container's environment when it starts: the placeholder, until a value is set, and no runtime
 * there to recognise it.
 */
export function warnPlaceholderAtLaunch(secret: IConstruct, value: InitialValue, grantee: iam.IGrantable, name: string): void {
  if (!value.placeholder || !isExecutionRole(grantee)) return;
  Annotations.of(secret).addWarningV2(PLACEHOLDER_AT_LAUNCH_WARNING,
    `secret '${secret.node.path}' is read by the ECS or AWS Batch agent with execution role '${(grantee as unknown as IConstruct).node.path}' when a container starts, ` +
    "and it holds AppSecret's placeholder until a value is set: a container started before then gets the placeholder as its variable, or, " +
    "for a JSON field (ecs.Secret.fromSecretsManager(secret, 'field')), which the placeholder lacks, does not start; " +
    'a service deployed together with the secret starts its tasks before any value can be set. ' +
    `Fix: deploy the secret first and set its value (npx cdk-app-secrets set ${name} --stack ${topLevelStack(secret).node.path}) before deploying ` +
    'what starts the containers (containers started later read the new value; running ones keep theirs until replaced), ' +
    'or, for a value CloudFormation may generate (a password), set generateSecretString; ' +
    `then acknowledge this warning: Annotations.of(secret).acknowledgeWarning('${PLACEHOLDER_AT_LAUNCH_WARNING}').`);
}

/** Where the ECS agent (and AWS Batch's) finds which secrets, and which of their JSON keys, to put into a container. */
const LAUNCH_DEFINITION_TYPES = ['AWS::ECS::TaskDefinition', 'AWS::Batch::JobDefinition'];
const launchReadsChecked = new WeakMap<IConstruct, WeakSet<Stack>>();

/**
 * `ecs.Secret.fromSecretsManager(secret, 'field')` (or AWS Batch's) has the agent put one JSON key of the
 * value into the container when it starts, and the container does not start when the value lacks it.
 * The key is written into the task or job definition and never passed to grantRead, so it is read from
 * there at synth: the definitions in the stack of the execution role the agent reads with. The
 * placeholder has its own warning (a value may still be set before a container starts); a database
 * attachment adds keys (engine, host, port) that synth cannot list.
 */
export function checkFieldsAtLaunch(secret: secretsmanager.ISecret & IConstruct, value: InitialValue, executionRole: IConstruct,
  attached: () => boolean): void {
  if (value.placeholder || (!value.plainString && value.keys === undefined)) return;
  const stack = Stack.of(executionRole);
  let stacks = launchReadsChecked.get(secret);
  if (!stacks) launchReadsChecked.set(secret, stacks = new WeakSet());
  if (stacks.has(stack)) return;
  stacks.add(stack);
  const readers = readersOf(stack);
  secret.node.addValidation({
    validate: () => {
      const errors = launchFieldErrors(secret, value, stack, readers);
      return errors.length === 0 || value.plainString || !attached() ? errors : [];
    },
  });
}

function launchFieldErrors(secret: secretsmanager.ISecret & IConstruct, value: InitialValue, stack: Stack, readers: Set<CfnResource>): string[] {
  const errors: string[] = [];
  const arn = JSON.stringify(stack.resolve(secret.secretArn));
  for (const definition of readers) {
    if (!LAUNCH_DEFINITION_TYPES.includes(definition.cfnResourceType)) continue;
    if (Stack.of(definition) !== stack) continue;
    const owner = definition.node.scope?.node.path ?? definition.node.path;
    for (const key of jsonKeysRead(definition, arn).filter((k) => !value.keys?.includes(k))) {
      const problem = lacksKey(value, key);
      const fix = value.plainString ? `read the whole secret (ecs.Secret.fromSecretsManager(secret)), or give the secret its keys from the start: ${STRUCTURED_FIX}`
        : `read one of the keys it has (ecs.Secret.fromSecretsManager(secret, '${value.keys![0]}')), or add '${key}' to ${value.property}`;
      errors.push(invalidProp(secret, value.property, `${problem}, but task or job definition '${owner}' reads that key into a container ` +
        `(ecs.Secret.fromSecretsManager(secret, '${key}'), or AWS Batch's), and a container whose secret lacks it does not start`, fix).message);
    }
  }
  return errors;
}

/**
 * The JSON keys a task or job definition reads from the secret (its ARN as rendered in the definition's stack): each `ValueFrom` of
 * `<secret ARN>:<key>:<version stage>:<version id>`, which CDK renders as a join of the ARN and the rest.
 */
function jsonKeysRead(definition: CfnResource, arn: string): string[] {
  const rendered = renderedJsonOnce(definition);
  if (!rendered.includes(arn)) return [];
  const escaped = arn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const keys = [...rendered.matchAll(new RegExp(`${escaped},":([^":]*):[^":]*:[^":]*"`, 'g'))].map((match) => match[1]);
  return [...new Set(keys.filter((key) => key !== ''))];
}

/** Characters RDS refuses in a master password (CreateDBInstance, CreateDBCluster: MasterUserPassword). */
const RDS_REFUSED_CHARACTERS = ['/', '"', '@'];

/** The id of the warning about a generated database password RDS may refuse. */
export const DATABASE_PASSWORD_WARNING = 'cdk-app-secrets:database-password-characters';

/**
 * Secrets Manager generates from all printable punctuation unless told otherwise, and RDS refuses a
 * master password with '/', '"' or '@', so the database's creation fails for most generated passwords.
 * A warning, not an error: a database already created has its password, and a changed
 * generateSecretString would generate a new value that the database does not get.
 */
export function warnDatabasePassword(secret: IConstruct, generate: secretsmanager.SecretStringGenerator | undefined, target: unknown): void {
  if (generate?.generateStringKey !== 'password' || generate.excludePunctuation || Token.isUnresolved(generate.excludeCharacters ?? '')) return;
  const allowed = RDS_REFUSED_CHARACTERS.filter((c) => !(generate.excludeCharacters ?? '').includes(c));
  if (allowed.length === 0) return;
  const database = Construct.isConstruct(target) ? `database '${target.node.path}'` : 'the database';
  const listed = allowed.map((c) => `'${c}'`).join(allowed.length === 2 ? ' and ' : ', ').replace(/, ('[^']+')$/, ' and $1');
  Annotations.of(secret).addWarningV2(DATABASE_PASSWORD_WARNING, invalidProp(secret, 'generateSecretString',
    `generates the password of ${database} from characters that include ${listed}, which RDS refuses in a master password, ` +
    `so creating the database fails whenever the generated password holds one of them (${refusedShare(generate, allowed.length)})`,
    `add excludeCharacters: '/"@' (rds.DatabaseSecret excludes ${JSON.stringify(" %+~`#$&*()|[]{}:;<>?!'/@\"\\")}, which also suits the rotation functions), ` +
    'or excludePunctuation: true. For a database already created with this secret, keep generateSecretString as it is (a change generates a new value that ' +
    `the database does not get) and acknowledge this warning: Annotations.of(secret).acknowledgeWarning('${DATABASE_PASSWORD_WARNING}')`).message);
}

/** How many generated passwords hold a refused character, drawn from the 94 printable characters less those excluded. */
function refusedShare(generate: secretsmanager.SecretStringGenerator, refused: number): string {
  const length = generate.passwordLength ?? 32;
  const excluded = new Set([...(generate.excludeCharacters ?? '')].filter((c) => c > ' ' && c <= '~')).size;
  const share = 1 - Math.pow(1 - refused / (94 - excluded), length);
  return `about ${Math.round(share * 100)}% of passwords of ${length} characters`;
}
