export * from './secret-construct';
