/*
 * The CLI's own errors. Their messages go to stderr as they are, so they say which stack or secret,
 * what went wrong and what to do, and never carry a secret value.
 */

/** Exit code for a usage error (unknown option, missing argument), as most CLIs use. */
export const EXIT_USAGE = 2;
/** Exit code for a failure: a check that found unset secrets, an AWS error, a missing assembly. */
export const EXIT_FAILURE = 1;

/** A failure the user can fix; `exitCode` is 1 unless it is a usage error. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT_FAILURE) {
    super(message);
    this.name = 'CliError';
  }
}

/** The command line itself is wrong: exit code 2, with a pointer to `--help`. */
export class UsageError extends CliError {
  constructor(message: string, readonly command?: string) {
    super(message, EXIT_USAGE);
    this.name = 'UsageError';
  }
}
