/*
 * Helpers for tests on synthesized templates, shared by the AppSecret test files.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export function newStack(app = new App(), id = 'Shop', env?: { account?: string; region?: string }): Stack {
  return new Stack(app, id, env ? { env } : undefined);
}

export function newFunction(scope: Construct, id = 'Fn', props: Partial<lambda.FunctionProps> = {}): lambda.Function {
  return new lambda.Function(scope, id, {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {}'),
    ...props,
  });
}

/** The environment variables of the function whose logical ID starts with the prefix. */
export function functionEnvironment(stack: Stack, logicalIdPrefix = 'Fn'): Record<string, unknown> {
  const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function');
  const [, fn] = Object.entries(functions).find(([id]) => id.startsWith(logicalIdPrefix))!;
  return fn.Properties.Environment?.Variables ?? {};
}

export function policyStatements(stack: Stack): any[] {
  return Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

/**
 * A value as CloudFormation would deploy it into account 123456789012, region eu-central-1:
 * pseudo parameters substituted, joins joined. Other references fail the test, so that no size is
 * guessed.
 */
export function deployed(value: any): any {
  const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': 'eu-central-1', 'AWS::AccountId': '123456789012', 'AWS::URLSuffix': 'amazonaws.com' };
  if (Array.isArray(value)) return value.map(deployed);
  if (!value || typeof value !== 'object') return value;
  if ('Ref' in value) {
    if (!(value.Ref in pseudo)) throw new Error(`cannot size a reference to ${value.Ref}`);
    return pseudo[value.Ref];
  }
  if ('Fn::Sub' in value) return (value['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_, name) => pseudo[name]);
  if ('Fn::Join' in value) return value['Fn::Join'][1].map(deployed).join(value['Fn::Join'][0]);
  if ('Fn::GetAtt' in value) return `arn:aws:kms:eu-central-1:123456789012:key/${'0'.repeat(36)}`;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deployed(v)]));
}

/** The characters IAM counts for a policy document: its JSON without whitespace, as deployed. */
export function deployedPolicySize(document: unknown): number {
  return JSON.stringify(deployed(document)).length;
}

export interface RolePolicies {
  readonly inline: number[];
  readonly managed: number[];
  readonly managedArns: number;
  readonly resources: string[];
}

/** Every policy attached to the role with this logical ID prefix, sized as deployed. */
export function rolePolicies(stack: Stack, roleLogicalIdPrefix: string): RolePolicies {
  const template = Template.fromStack(stack).toJSON();
  const resources = Object.entries<any>(template.Resources);
  const [roleId, role] = resources.find(([id, r]) => r.Type === 'AWS::IAM::Role' && id.startsWith(roleLogicalIdPrefix))!;
  const attached = (r: any) => (r.Properties.Roles ?? []).some((x: any) => x.Ref === roleId);
  const docs = (type: string) => resources.filter(([, r]) => r.Type === type && attached(r)).map(([, r]) => r.Properties.PolicyDocument);
  const inline = docs('AWS::IAM::Policy');
  const managed = docs('AWS::IAM::ManagedPolicy');
  return {
    inline: inline.map(deployedPolicySize),
    managed: managed.map(deployedPolicySize),
    managedArns: (role.Properties.ManagedPolicyArns ?? []).length,
    resources: [...inline, ...managed].flatMap((d) => d.Statement).flatMap((s: any) => [s.Resource].flat()).map(deployed),
  };
}
