import * as path from 'path';
import { Stack, StackProps } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { AppSecret } from '../lib';

export interface ShopStackProps extends StackProps {
  /** Deployment environment, e.g. `dev` or `prod`: part of every secret's physical name. */
  readonly environment: string;
}

/**
 * The example app: two handlers sharing a plain secret, a JSON multi-key secret, a secret that
 * exists outside the app, and one that is never given a value (to show the placeholder error).
 */
export class ShopStack extends Stack {
  public readonly checkout: nodejs.NodejsFunction;
  public readonly reports: nodejs.NodejsFunction;
  /** Reads through the AWS Parameters and Secrets Lambda Extension instead of the SDK. */
  public readonly invoices: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: ShopStackProps) {
    super(scope, id, props);
    const { environment } = props;

    const stripeApiKey = new AppSecret(this, 'StripeApiKey', {
      name: 'stripe-api-key',
      environment,
      description: 'Stripe secret key used by checkout',
    });
    const dbCredentials = new AppSecret(this, 'DbCredentials', {
      name: 'db-credentials',
      environment,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: 'shop' }),
        generateStringKey: 'password',
        excludePunctuation: true,
      },
    });
    const webhookSigningKey = new AppSecret(this, 'WebhookSigningKey', { name: 'webhook-signing-key', environment });
    const partnerToken = AppSecret.fromSecretName(this, 'PartnerToken', {
      secretName: `legacy/${environment}/partner-token`,
      name: 'partner-token',
    });

    this.checkout = shopFunction(this, 'Checkout', 'checkout.ts');
    this.reports = shopFunction(this, 'Reports', 'reports.ts');
    this.invoices = shopFunction(this, 'Invoices', 'invoices.ts', {
      // The runtime caches; the extension only transports (its own cache would serve older values).
      paramsAndSecrets: lambda.ParamsAndSecretsLayerVersion.fromVersion(lambda.ParamsAndSecretsVersions.V1_0_103, { cacheEnabled: false }),
    });

    for (const secret of [stripeApiKey, dbCredentials, webhookSigningKey]) secret.grantRead(this.checkout);
    for (const secret of [dbCredentials, partnerToken]) secret.grantRead(this.reports);
    partnerToken.grantRead(this.invoices);

    NagSuppressions.addResourceSuppressions([stripeApiKey, dbCredentials, webhookSigningKey], [{
      id: 'AwsSolutions-SMG4',
      reason: 'The Stripe key, webhook key and database user are issued by third parties and rotated by hand; add a rotation schedule (AppSecret#addRotationSchedule) where the issuer supports it.',
    }], true);
    NagSuppressions.addResourceSuppressions([this.checkout, this.reports, this.invoices], [{
      id: 'AwsSolutions-IAM4',
      reason: 'AWSLambdaBasicExecutionRole only allows writing the function\'s own logs; it is the role NodejsFunction creates by default.',
      appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
    }, {
      id: 'AwsSolutions-IAM5',
      reason: 'secretsmanager:BatchGetSecretValue supports no resource scoping, so it can only be granted on *; it returns only the secrets the role may also GetSecretValue, which is granted per secret ARN.',
      appliesTo: ['Resource::*'],
    }], true);
  }
}

function shopFunction(scope: Construct, id: string, handlerFile: string, extra: Partial<nodejs.NodejsFunctionProps> = {}): nodejs.NodejsFunction {
  return new nodejs.NodejsFunction(scope, id, {
    ...extra,
    entry: path.join(__dirname, 'handlers', handlerFile),
    runtime: lambda.Runtime.NODEJS_24_X,
    bundling: {
      // The Lambda Node runtime provides the AWS SDK v3; the runtime module loads it lazily.
      externalModules: ['@aws-sdk/*'],
      minify: true,
      // Resolves `cdk-app-secrets/runtime` to this repository's source.
      tsconfig: path.join(__dirname, 'tsconfig.json'),
    },
  });
}
