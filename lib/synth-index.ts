/*
 * What the synth-time read checks look at, found and rendered once per stage instead of once per
 * secret: with hundreds of secrets, a walk of the tree or a render per secret made synth take minutes.
 */
import { Aspects, CfnResource, IAspect, Stage } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { renderedProperties } from './environment-guard';

/** Resources that read a secret outside grantRead: CodeBuild by name or ARN, the ECS and AWS Batch agents by ARN. */
export const READER_TYPES = ['AWS::CodeBuild::Project', 'AWS::ECS::TaskDefinition', 'AWS::Batch::JobDefinition'];

const readersByStage = new WeakMap<IConstruct, Set<CfnResource>>();

/**
 * The reader resources of the scope's stage, which an aspect collects as CDK prepares it, before validation:
 * one walk of the tree for all secrets.
 */
export function readersOf(scope: IConstruct): Set<CfnResource> {
  const stage = Stage.of(scope) ?? scope.node.root;
  let readers = readersByStage.get(stage);
  if (!readers) {
    const found = new Set<CfnResource>();
    readers = found;
    readersByStage.set(stage, found);
    Aspects.of(stage).add(new ReaderCollector(found));
  }
  return readers;
}

class ReaderCollector implements IAspect {
  constructor(private readonly readers: Set<CfnResource>) {}

  public visit(node: IConstruct): void {
    if (CfnResource.isCfnResource(node) && READER_TYPES.includes(node.cfnResourceType)) this.readers.add(node);
  }
}

const renderedByStage = new WeakMap<IConstruct, Map<CfnResource, Record<string, unknown>>>();

/**
 * `renderedProperties`, computed once per validation: CDK validates a stage's tree from the stage down,
 * so a validation on the stage empties the cache before any secret's check reads it.
 */
export function renderedOnce(resource: CfnResource): Record<string, unknown> {
  const stage = Stage.of(resource) ?? resource.node.root;
  let cache = renderedByStage.get(stage);
  if (!cache) {
    const fresh = new Map<CfnResource, Record<string, unknown>>();
    cache = fresh;
    renderedByStage.set(stage, fresh);
    stage.node.addValidation({ validate: () => { fresh.clear(); return []; } });
  }
  let rendered = cache.get(resource);
  if (!rendered) cache.set(resource, rendered = renderedProperties(resource));
  return rendered;
}

const jsonOfRendered = new WeakMap<object, string>();

/** `renderedOnce` as JSON, for searching: stringified once per validation too. */
export function renderedJsonOnce(resource: CfnResource): string {
  const rendered = renderedOnce(resource);
  let json = jsonOfRendered.get(rendered);
  if (json === undefined) jsonOfRendered.set(rendered, json = JSON.stringify(rendered));
  return json;
}
