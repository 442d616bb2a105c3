import * as cdk from 'aws-cdk-lib';
import { AppSecret } from 'cdk-app-secrets';
import { Construct } from 'constructs';

export interface SecretsStackProps extends cdk.StackProps {
  readonly environment: string;
}

export class SecretsStack extends cdk.Stack {
  public readonly apiKey: AppSecret;
  public readonly dbCredentials: AppSecret;

  constructor(scope: Construct, id: string, props: SecretsStackProps) {
    super(scope, id, props);
    this.apiKey = new AppSecret(this, 'ApiKey', { name: 'api-key', environment: props.environment });
    this.dbCredentials = new AppSecret(this, 'DbCredentials', {
      name: 'db-credentials',
      environment: props.environment,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: 'app' }),
        generateStringKey: 'password',
        excludePunctuation: true,
      },
    });
  }
}
