import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { discardStorage, freshStorage, type TestStorage } from './gateway-harness';

const ROOT = resolve(__dirname, '../..');
const READY_TIMEOUT_MS = 45_000;

export interface BuiltGateway {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  pid: number;
  storage: TestStorage;
  /** The child's resident set size now, from /proc/<pid>/status. */
  rssMb(): number;
  /** SIGTERM, then waits for the exit; discards the storage if it was made here (one passed in is the caller's). */
  stop(): Promise<void>;
  /** What the process wrote to stdout and stderr so far, when started with `captureOutput`. */
  output(): string;
}

export interface BuiltGatewayOptions {
  /** Data to run on (e.g. seeded beforehand); a fresh copy of the migrated template by default. */
  storage?: TestStorage;
  /** Node flags for the child, e.g. `--max-old-space-size=96`. */
  nodeArgs?: string[];
  /** More environment for the child (e.g. REDIS_URL). */
  env?: Record<string, string>;
  /** Keep what the child logs (the last 256 KB), for suites that check a log line. */
  captureOutput?: boolean;
}

/**
 * Runs the built gateway (`bin/tollgate.js`, i.e. dist/) in a child process on a free loopback port, from a
 * YAML config text, and waits until it answers. For what only a separate process can show: its memory
 * (RSS without Jest's heap in it) and its behaviour over real sockets.
 */
export async function startBuiltGateway(yaml: string, options: BuiltGatewayOptions = {}): Promise<BuiltGateway> {
  if (!existsSync(join(ROOT, 'dist/src/main.js'))) throw new Error('This suite runs the built gateway: run `npm run build` first (`npm test` does).');
  const storage = options.storage ?? (await freshStorage());
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const configPath = join(storage.dataDir, 'config.yaml');
  writeFileSync(configPath, yaml);
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, TOLLGATE_DATA_DIR: storage.dataDir };
  delete env.DATABASE_URL;
  if (storage.databaseUrl) env.DATABASE_URL = storage.databaseUrl;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), join(ROOT, 'bin/tollgate.js'), '--config', configPath, '--port', String(port), '--host', '127.0.0.1'], {
    env,
    stdio: options.captureOutput ? ['ignore', 'pipe', 'pipe'] : 'ignore',
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-256 * 1024);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
    if (!options.storage) discardStorage(storage);
  };
  try {
    await waitUntilReady(url, child);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, pid: child.pid!, storage, rssMb: () => rssMb(child.pid!), stop, output: () => output };
}

export interface BootFailure {
  /** The exit code, or null when the process had to be killed at the deadline (it hung). */
  code: number | null;
  stderr: string;
  elapsedMs: number;
  storage: TestStorage;
}

/**
 * Runs the built gateway with a config that must fail its boot and waits for the process to end by itself;
 * at `deadlineMs` it is killed and reported with `code: null`. The caller discards `storage`.
 */
export async function runBuiltGatewayToExit(yaml: string, options: { deadlineMs: number; port?: number }): Promise<BootFailure> {
  if (!existsSync(join(ROOT, 'dist/src/main.js'))) throw new Error('This suite runs the built gateway: run `npm run build` first (`npm test` does).');
  const storage = await freshStorage();
  const configPath = join(storage.dataDir, 'config.yaml');
  writeFileSync(configPath, yaml);
  const env: NodeJS.ProcessEnv = { ...process.env, TOLLGATE_DATA_DIR: storage.dataDir };
  delete env.DATABASE_URL;
  if (storage.databaseUrl) env.DATABASE_URL = storage.databaseUrl;
  const port = options.port ?? (await freePort());
  const started = Date.now();
  const child = spawn(process.execPath, [join(ROOT, 'bin/tollgate.js'), '--config', configPath, '--port', String(port), '--host', '127.0.0.1'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolveExit) => {
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      resolveExit(null);
    }, options.deadlineMs);
    child.once('exit', (exitCode) => {
      clearTimeout(deadline);
      resolveExit(exitCode);
    });
  });
  return { code, stderr, elapsedMs: Date.now() - started, storage };
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function waitUntilReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode} before it was ready`);
    const ok = await fetch(`${url}/health/liveliness`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the gateway did not start within ${READY_TIMEOUT_MS / 1000} s`);
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
