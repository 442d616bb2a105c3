import { CfnOutput, Stack, Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { ENVIRONMENT_CONTEXT_KEY } from './env-contract';
import { checkOutputCountAtSynth } from './service-limits';
import { invalidProp, validateEnvironment, validateSecretName, Where } from './validation';

/** Physical names taken per top-level stack, to catch two AppSecrets that CloudFormation would collide. */
const secretNamesByStack = new WeakMap<Stack, Map<string, string>>();

/**
 * The stack a user sees in `cdk deploy` and the console. A nested stack's own `stackName` is a
 * token (CloudFormation generates it at deploy time), which makes no readable, predictable name.
 */
export function topLevelStack(scope: IConstruct): Stack {
  let stack = Stack.of(scope);
  while (stack.nestedStackParent) stack = stack.nestedStackParent;
  return stack;
}

export interface NamingProps {
  readonly name: string;
  readonly environment?: string;
  readonly secretName?: string;
}

export interface PhysicalName {
  readonly secretName: string;
  readonly environment?: string;
}

/** `<top-level stack name>/<environment>/<name>`, or `secretName` verbatim; validated either way. */
export function physicalName(scope: IConstruct, where: Where, props: NamingProps): PhysicalName {
  if (props.secretName !== undefined) {
    validateSecretName(where, 'secretName', props.secretName);
    return { secretName: props.secretName, environment: props.environment };
  }
  const environment = resolveEnvironment(scope, where, props.environment);
  const secretName = `${topLevelStack(scope).stackName}/${environment}/${props.name}`;
  validateSecretName(where, 'the secret name (<stack name>/<environment>/<name>)', secretName);
  return { secretName, environment };
}

function resolveEnvironment(scope: IConstruct, where: Where, fromProps: string | undefined): string {
  const environment = fromProps ?? scope.node.tryGetContext(ENVIRONMENT_CONTEXT_KEY);
  if (environment === undefined) {
    throw invalidProp(where, 'environment', `is not set, and there is no context value '${ENVIRONMENT_CONTEXT_KEY}' to take it from`,
      `pass environment: 'dev' (or 'prod', ...), or set the context, e.g. cdk synth -c ${ENVIRONMENT_CONTEXT_KEY}=dev or "context": { "${ENVIRONMENT_CONTEXT_KEY}": "dev" } in cdk.json`);
  }
  if (typeof environment !== 'string') {
    throw invalidProp(where, `context '${ENVIRONMENT_CONTEXT_KEY}'`, `is ${JSON.stringify(environment)}, not a string`,
      'set it to an environment name such as "dev"');
  }
  validateEnvironment(where, fromProps !== undefined ? 'environment' : `context '${ENVIRONMENT_CONTEXT_KEY}'`, environment);
  return environment;
}

/** Secrets of nested stacks share the top-level stack's name, so they are claimed there. */
export function claimSecretName(where: Where, scope: IConstruct, secretName: string): void {
  if (Token.isUnresolved(secretName)) return;
  const stack = topLevelStack(scope);
  let names = secretNamesByStack.get(stack);
  if (!names) {
    names = new Map();
    secretNamesByStack.set(stack, names);
  }
  const taken = names.get(secretName);
  if (taken) {
    throw invalidProp(where, 'name', `gives the secret name '${secretName}', which '${taken}' in the same stack already has; CloudFormation would fail to create the second`,
      'give one of them a different name (or environment)');
  }
  names.set(secretName, typeof where === 'string' ? where : where.node.path);
}

/**
 * The output with the physical name. CloudFormation takes only a literal string as an output's
 * Description, so a name that is a token (a CfnParameter, ...) is not repeated there.
 */
export function addNameOutput(secret: Construct, name: string, secretName: string): void {
  checkOutputCountAtSynth(Stack.of(secret), (output) => nameOutputs.has(output));
  const secretId = Token.isUnresolved(secretName) ? "<this output's value>" : secretName;
  const set = `Physical name of secret '${name}'. Set its value with: npx cdk-app-secrets set ${name} --stack ${topLevelStack(secret).node.path}`;
  const withAwsCli = `${set} (or aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string <value>)`;
  // The AWS CLI alternative repeats the physical name; with the longest names it passes the limit.
  const description = [withAwsCli, set, `Physical name of secret '${name}'.`].find((d) => Buffer.byteLength(d) <= MAX_OUTPUT_DESCRIPTION_BYTES);
  const output = new CfnOutput(secret, 'SecretName', { value: secretName, description });
  nameOutputs.add(output);
}

const nameOutputs = new WeakSet<IConstruct>();
/** CloudFormation refuses a template with a longer output description. */
const MAX_OUTPUT_DESCRIPTION_BYTES = 1024;
