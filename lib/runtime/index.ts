// Node-only runtime for Lambda handlers, published as `cdk-app-secrets/runtime`.
export { secretEnvKey } from '../env-contract';
