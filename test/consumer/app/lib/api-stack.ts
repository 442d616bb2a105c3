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
    const functions = [
      // Every bundling option left at its default: with cdk init's feature flags the runtime is
      // NODEJS_LATEST, for which NodejsFunction marks no module external.
      new NodejsFunction(this, 'ReadDefaults', { entry }),
      new NodejsFunction(this, 'ReadNode22', { entry, runtime: lambda.Runtime.NODEJS_22_X }),
      new NodejsFunction(this, 'ReadNode20', { entry, runtime: lambda.Runtime.NODEJS_20_X }),
      new NodejsFunction(this, 'ReadEsm', { entry, bundling: { format: OutputFormat.ESM } }),
    ];
    for (const fn of functions) {
      props.apiKey.grantRead(fn);
      props.dbCredentials.grantRead(fn);
    }
  }
}
