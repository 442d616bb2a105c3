import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { AppSecret } from 'cdk-app-secrets';
import { Construct } from 'constructs';

export interface ApiStackProps extends cdk.StackProps {
  readonly apiKey: AppSecret;
  readonly dbCredentials: AppSecret;
}

export class ApiStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const entry = path.join(__dirname, '../lambda/read.ts');
    // Runtimes by name, so that the app compiles on the peer floor too, which predates
    // Runtime.NODEJS_20_X and NODEJS_22_X; NodejsFunction bundles for them as for the constants.
    const nodejs = (name: string) => new lambda.Runtime(name, lambda.RuntimeFamily.NODEJS);
    const functions = [
      // Every option left at its default: with cdk init's feature flags the runtime is NODEJS_LATEST
      // (on aws-cdk-lib versions that have it), for which NodejsFunction marks no module external.
      new NodejsFunction(this, 'ReadDefaults', { entry }),
      new NodejsFunction(this, 'ReadNode22', { entry, runtime: nodejs('nodejs22.x') }),
      new NodejsFunction(this, 'ReadNode20', { entry, runtime: nodejs('nodejs20.x') }),
      new NodejsFunction(this, 'ReadEsm', { entry, bundling: { format: OutputFormat.ESM } }),
    ];
    for (const fn of functions) {
      props.apiKey.grantRead(fn);
      props.dbCredentials.grantRead(fn);
    }
    // One secret, minified as deployed: its bundle shows what esbuild took from the package
    // (the metafile, index.meta.json beside the bundle) and what it left out.
    const readOne = new NodejsFunction(this, 'ReadOne', {
      entry: path.join(__dirname, '../lambda/read-one.ts'),
      bundling: { minify: true, metafile: true },
    });
    props.apiKey.grantRead(readOne);
  }
}
