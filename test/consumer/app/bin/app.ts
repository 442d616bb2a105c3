#!/usr/bin/env node
import * as cdk from 'aws-cdk-lib';
import { ApiStack } from '../lib/api-stack';
import { SecretsStack } from '../lib/secrets-stack';

// Two stacks, env-agnostic as `cdk init` makes them: the secrets live in one, the functions that
// read them in the other (a cross-stack grant).
const app = new cdk.App();
const secrets = new SecretsStack(app, 'ConsumerSecrets', { environment: 'dev' });
new ApiStack(app, 'ConsumerApi', { apiKey: secrets.apiKey, dbCredentials: secrets.dbCredentials });
