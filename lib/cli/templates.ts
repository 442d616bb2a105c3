/*
 * The templates of a stack, its nested stacks' included, and where each of their resources is in the
 * construct tree: what the inventory walks to find functions and the secrets they read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AssemblyStack, CfnTemplate, readJson } from './assembly';

/** A template of a stack: its own, or a nested stack's. */
export interface StackTemplate {
  readonly template: CfnTemplate;
  /** The nested stack's construct path (`/Shop/Payments`); undefined for the stack's own template, or when the manifest does not say. */
  readonly nestedPath?: string;
}

/**
 * The templates of a stack: its own and those of its nested stacks (`AWS::CloudFormation::Stack`
 * resources whose template CDK wrote into the assembly).
 */
export function stackTemplates(stack: AssemblyStack): StackTemplate[] {
  const templates: StackTemplate[] = [];
  const visit = (template: CfnTemplate, nestedPath: string | undefined, depth: number) => {
    templates.push({ template, nestedPath });
    if (depth > 10) return;
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      if (resource.Type !== 'AWS::CloudFormation::Stack') continue;
      // Without asset metadata (cdk synth --no-asset-metadata), the template URL's object key names the file.
      const url = resource.Properties?.TemplateURL;
      const file = resource.Metadata?.['aws:asset:path'] ?? assetFileOfUrl(stack, url) ?? legacyAssetFileOfUrl(stack, url);
      if (typeof file === 'string' && file.endsWith('.json')) {
        const nested = path.join(stack.dir, file);
        const resourcePath = constructPathOf(stack, logicalId, nestedPath);
        const match = resourcePath === undefined ? null : NESTED_STACK_RESOURCE.exec(resourcePath);
        if (fs.existsSync(nested)) visit(readJson(nested), match ? `${match[1]}/${match[2]}` : undefined, depth + 1);
      }
    }
  };
  visit(stack.template, undefined, 0);
  return templates;
}

/** The path of a NestedStack's resource in its parent: `<parent>/<id>.NestedStack/<id>.NestedStackResource` (aws-cdk-lib's NestedStack). */
const NESTED_STACK_RESOURCE = /^(.*)\/([^/]+)\.NestedStack\/\2\.NestedStackResource$/;

/**
 * The construct path (`/Shop/Payments/Handler/Resource`) of the resource `logicalId` in the template of
 * `nestedPath` (undefined: the stack's own), from the manifest's logical-id metadata, which CDK writes
 * with path metadata off too. Logical ids are unique only within one template, so the entry must be
 * in that nested stack and in none below it. Undefined when the manifest does not say.
 */
export function constructPathOf(stack: AssemblyStack, logicalId: string, nestedPath: string | undefined): string | undefined {
  return logicalIdIndex(stack).get(`${nestedPath ?? ''}\n${logicalId}`);
}

const logicalIdIndexes = new WeakMap<AssemblyStack, Map<string, string>>();

/** `<nested stack path>\n<logical id>` -> construct path, for every aws:cdk:logicalId entry of the stack's metadata. */
function logicalIdIndex(stack: AssemblyStack): Map<string, string> {
  let index = logicalIdIndexes.get(stack);
  if (index) return index;
  const entries = Object.entries(stack.metadata).flatMap(([constructPath, list]) => list
    .filter((entry) => entry.type === 'aws:cdk:logicalId' && typeof entry.data === 'string')
    .map((entry) => [constructPath, entry.data as string] as const));
  const nestedPaths = entries.flatMap(([constructPath]) => {
    const match = NESTED_STACK_RESOURCE.exec(constructPath);
    return match ? [`${match[1]}/${match[2]}`] : [];
  });
  // The innermost nested stack a construct is in (the longest path it starts with).
  const ownerOf = (constructPath: string) => nestedPaths.filter((nested) => constructPath.startsWith(`${nested}/`))
    .reduce<string>((longest, nested) => (nested.length > longest.length ? nested : longest), '');
  index = new Map();
  for (const [constructPath, logicalId] of entries) index.set(`${ownerOf(constructPath)}\n${logicalId}`, constructPath);
  logicalIdIndexes.set(stack, index);
  return index;
}

/** The asset file a template URL (a string, or an Fn::Join ending in `/<object key>`) points to, if any. */
function assetFileOfUrl(stack: AssemblyStack, url: unknown): string | undefined {
  const parts: unknown = (url as any)?.['Fn::Join']?.[1];
  const tail = typeof url === 'string' ? url : Array.isArray(parts) ? parts[parts.length - 1] : undefined;
  if (typeof tail !== 'string') return undefined;
  const key = Object.keys(stack.assetFiles).find((objectKey) => tail === objectKey || tail.endsWith(`/${objectKey}`));
  return key === undefined ? undefined : stack.assetFiles[key];
}

/**
 * The asset file a template URL points to through the LegacyStackSynthesizer's asset parameters
 * (`AssetParameters<asset id>S3Bucket...`, passed into nested stacks as `referenceto...` parameters):
 * that synthesizer writes no asset manifest, only an `aws:cdk:asset` metadata entry per asset.
 */
function legacyAssetFileOfUrl(stack: AssemblyStack, url: unknown): string | undefined {
  if (url === undefined) return undefined;
  const text = JSON.stringify(url);
  for (const entries of Object.values(stack.metadata)) {
    for (const { type, data } of entries) {
      const asset = data as { id?: unknown; path?: unknown } | undefined;
      if (type === 'aws:cdk:asset' && typeof asset?.id === 'string' && typeof asset.path === 'string' && text.includes(`AssetParameters${asset.id}`)) return asset.path;
    }
  }
  return undefined;
}
