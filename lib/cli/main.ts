#!/usr/bin/env node
/* The `cdk-app-secrets` executable: `npx cdk-app-secrets <command>`. */
import { processIo } from './output';
import { runCli } from './run';

void runCli(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});
