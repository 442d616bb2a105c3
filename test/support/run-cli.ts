/*
 * Runs the `cdk-app-secrets` executable in a child process, as `npx cdk-app-secrets` would: the
 * compiled build/cli/main.js when the build is newer than every source in lib/ (as in `npm run build`,
 * where jest runs after the jsii compile), otherwise the same entry from source through ts-node, so
 * a focused `npx jest test/cli` never tests a stale build.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');
const built = path.join(root, 'build', 'cli', 'main.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(file) : entry.name.endsWith('.ts') ? fs.statSync(file).mtimeMs : 0);
  }
  return newest;
}

/** The command and arguments that start the executable; `entry` overrides where it is (a copy elsewhere). */
export function cliCommand(entry?: string): { command: string; args: string[]; compiled: boolean } {
  if (entry) {
    return entry.endsWith('.ts')
      ? { command: process.execPath, args: ['-r', require.resolve('ts-node/register/transpile-only'), entry], compiled: false }
      : { command: process.execPath, args: [entry], compiled: true };
  }
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= newestSource(path.join(root, 'lib'))) {
    return { command: process.execPath, args: [built], compiled: true };
  }
  return { command: process.execPath, args: ['-r', require.resolve('ts-node/register/transpile-only'), path.join(root, 'lib', 'cli', 'main.ts')], compiled: false };
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunCliOptions {
  readonly env?: Record<string, string | undefined>;
  /** Written to stdin, then stdin is closed; without it stdin is /dev/null-like (closed at once). */
  readonly stdin?: string | Buffer;
  readonly cwd?: string;
  /** Run this copy of the entry instead of the repository's. */
  readonly entry?: string;
}

/** The CLI's environment: this process's, ts-node's project, and the caller's variables (undefined ones left out). */
function cliEnv(options: RunCliOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json'), ...options.env })) if (value !== undefined) env[key] = value;
  return env;
}

/** Collects a child's stdout and stderr and settles with them, and its exit code, when it closes. */
function collectOutput(child: ChildProcess, resolve: (result: CliResult) => void, reject: (error: Error) => void): void {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  child.on('error', reject);
  child.on('close', (code) => resolve({ code, stdout, stderr }));
}

/** Runs the CLI with `args` and resolves when it exits. Never rejects on a non-zero exit. */
export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  const { command, args: prefix } = cliCommand(options.entry);
  const env = cliEnv(options);
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...prefix, ...args], { cwd: options.cwd ?? root, env, stdio: ['pipe', 'pipe', 'pipe'] });
    collectOutput(child, resolve, reject);
    child.stdin.end(options.stdin ?? '');
  });
}

/**
 * Runs the CLI on a pseudo-terminal (python3's pty module): stdin, stdout and stderr are all the
 * terminal, as when a person runs it. When `input` is given, it is typed once `waitFor` appears in
 * the output, followed by Enter. Resolves with everything the terminal showed.
 */
export function runCliInPty(args: readonly string[], options: RunCliOptions & { input?: string; waitFor?: string } = {}): Promise<CliResult> {
  const { command, args: prefix } = cliCommand(options.entry);
  const env = cliEnv(options);
  env.PTY_INPUT_B64 = Buffer.from(options.input ?? '').toString('base64');
  env.PTY_HAS_INPUT = options.input === undefined ? '' : '1';
  env.PTY_WAIT_FOR = options.waitFor ?? '';
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', PTY_DRIVER, command, ...prefix, ...args], { cwd: options.cwd ?? root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    collectOutput(child, resolve, reject);
  });
}

const PTY_DRIVER = `
import base64, os, pty, select, sys
argv = sys.argv[1:]
value = base64.b64decode(os.environ.pop('PTY_INPUT_B64'))
has_input = os.environ.pop('PTY_HAS_INPUT') == '1'
wait_for = os.environ.pop('PTY_WAIT_FOR').encode()
pid, fd = pty.fork()
if pid == 0:
    os.execvpe(argv[0], argv, os.environ)
out = b''
sent = not has_input
while True:
    ready, _, _ = select.select([fd], [], [], 60)
    if not ready:
        break
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if not sent and wait_for in out:
        os.write(fd, value + b'\\r')
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
`;
