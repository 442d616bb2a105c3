// cdk init's own toolchain (TypeScript ~5.6.3, @types/node 22.7.9) on the lowest aws-cdk-lib and
// constructs the peer range allows: also the app that type-checks with the other module resolutions.
import { peerFloor } from './consumer-app';
import { describeConsumerApp, OTHER_MODULE_RESOLUTIONS } from './consumer-suite';

describeConsumerApp(peerFloor(), { otherModuleResolutions: OTHER_MODULE_RESOLUTIONS });
