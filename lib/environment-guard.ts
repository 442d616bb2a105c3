/*
 * SecretEnvironmentGuard: no secret value in a Lambda function's environment, where CloudFormation
 * would write it into the function's configuration.
 */
import { CfnResource, IAspect, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';

/** Dynamic references whose resolved value CloudFormation would write into a function's configuration. */
const SECRET_REFERENCES: ReadonlyArray<[string, string]> = [
  ['{{resolve:secretsmanager:', 'a Secrets Manager dynamic reference'],
  ['{{resolve:ssm-secure:', 'an SSM SecureString dynamic reference'],
];

const allowedScopes = new WeakSet<IConstruct>();
const guardedFunctions = new WeakSet<lambda.CfnFunction>();

/**
 * Fails synth when a Lambda function's environment holds a Secrets Manager or SSM SecureString
 * dynamic reference (`{{resolve:secretsmanager:...}}`, e.g. from
 * `fn.addEnvironment('KEY', secret.secretValue.unsafeUnwrap())`): CloudFormation resolves it and
 * stores the secret value in the function's configuration, readable by anyone who may call
 * `lambda:GetFunctionConfiguration`.
 *
 * On by default for every function `AppSecret.grantRead` wires. For all functions of an app:
 * `Aspects.of(app).add(new SecretEnvironmentGuard())`. To allow it for one function (or every
 * function in a scope): `SecretEnvironmentGuard.allow(fn)`.
 */
export class SecretEnvironmentGuard implements IAspect {
  /**
   * Turns the guard off for a function, or for every function under a scope (a stack, ...).
   *
   * @param scope the function (or a `SingletonFunction`, the `CfnFunction`, or any construct above functions)
   */
  public static allow(scope: IConstruct): void {
    allowedScopes.add(scope);
    // A SingletonFunction's one function is a child of the stack, not of the SingletonFunction.
    const inner: unknown = scope instanceof lambda.SingletonFunction ? (scope as unknown as { lambdaFunction?: unknown }).lambdaFunction : undefined;
    if (inner instanceof lambda.Function) allowedScopes.add(inner);
  }

  /**
   * Guards the function behind this construct, if it is a `CfnFunction`.
   */
  public visit(node: IConstruct): void {
    if (node instanceof lambda.CfnFunction) guardFunction(node);
  }
}

/** Adds the check to one function, once, unless it or a scope above it is allowed. */
export function guardFunction(cfn: lambda.CfnFunction): void {
  if (guardedFunctions.has(cfn)) return;
  guardedFunctions.add(cfn);
  cfn.node.addValidation({ validate: () => secretReferenceErrors(cfn) });
}

function secretReferenceErrors(cfn: lambda.CfnFunction): string[] {
  if (cfn.node.scopes.some((scope) => allowedScopes.has(scope))) return [];
  const fn = ownerOf(cfn);
  // As deployed: escape-hatch overrides (addPropertyOverride) put values in too.
  const environment = renderedProperties(cfn).Environment as { Variables?: Record<string, unknown> } | undefined;
  const errors: string[] = [];
  for (const [key, value] of Object.entries(environment?.Variables ?? {})) {
    const json = JSON.stringify(value);
    const found = SECRET_REFERENCES.find(([marker]) => json.includes(marker));
    if (!found) continue;
    // The reference names the secret, not its value; the message still repeats neither.
    errors.push(`AppSecret guard: function '${fn.node.path}' environment.${key} holds ${found[1]}, which CloudFormation resolves into the ` +
      "function's configuration, where anyone who may read the function sees the secret value. Fix: grant the secret instead " +
      `(appSecret.grantRead(fn) writes its name) and read it at run time with getSecrets; if this is intended, call SecretEnvironmentGuard.allow(fn) for '${fn.node.path}'.`);
  }
  return errors;
}

/** The construct users made: the L2 whose default child the resource is (a lambda.Function's CfnFunction), else the resource made directly. */
export function ownerOf(resource: CfnResource): IConstruct {
  return resource.node.scope?.node.defaultChild === resource ? resource.node.scope : resource;
}

/** A resource's properties as its template will have them: escape-hatch overrides applied, tokens resolved. */
export function renderedProperties(resource: CfnResource): Record<string, unknown> {
  const rendered = Stack.of(resource).resolve((resource as unknown as { _toCloudFormation(): unknown })._toCloudFormation()) as
    { Resources?: Record<string, { Properties?: Record<string, unknown> }> };
  return Object.values(rendered.Resources ?? {})[0]?.Properties ?? {};
}
