export * from './secret-construct';
export { SecretEnvironmentGuard } from './guards';
