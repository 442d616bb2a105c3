export * from './secret-construct';
export { SecretEnvironmentGuard } from './environment-guard';
