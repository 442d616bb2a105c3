// The newest aws-cdk-lib 2.x and constructs 10.x on the registry, with every README snippet pasted
// (cdk-nag and pg installed), the CLI run in the app, and cdk init's Jest.
import { newestOnRegistry } from './consumer-app';
import { describeConsumerApp } from './consumer-suite';

describeConsumerApp(newestOnRegistry(), { otherModuleResolutions: [] });
