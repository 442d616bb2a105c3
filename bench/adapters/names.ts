/**
 * How the runtime cases' secrets are named in a function's environment, shared by the children's
 * environment (bench/fakes.ts) and the handler-shaped reads of the adapters: `Bench/prod/secret-07`
 * has the logical name `secret-07`, and AppSecret would give the function `SECRET_07_SECRET_NAME`.
 */
export const logicalName = (id: string): string => id.slice(id.lastIndexOf('/') + 1);
export const nameEnvKey = (id: string): string => `${logicalName(id).replace(/-/g, '_').toUpperCase()}_SECRET_NAME`;
