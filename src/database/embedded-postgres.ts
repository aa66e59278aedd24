import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface EmbeddedPostgresHandle {
  /** A `postgresql://` URL the `pg` driver can use. */
  url: string;
  stop(): Promise<void>;
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
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

/**
 * PGlite keeps one backend in this process; two processes on the same data directory would
 * corrupt it, so a pid lock refuses the second one with a clear message instead.
 */
function acquireDataDirLock(dataDir: string): () => void {
  const lockPath = join(dataDir, 'tollgate.pid');
  try {
    const holder = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
    if (Number.isInteger(holder) && holder !== process.pid && isProcessAlive(holder)) {
      throw new Error(
        `The embedded database in ${dataDir} is in use by process ${holder}. ` +
          'Stop it, or set TOLLGATE_DATA_DIR to another directory, or DATABASE_URL to a PostgreSQL server.',
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

/**
 * Starts real PostgreSQL (PGlite, compiled to WASM) on a loopback port so the same `pg` driver and
 * migrations run against it as against a server. Data lives on disk under `dataDir/pgdata`.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgresHandle> {
  mkdirSync(dataDir, { recursive: true });
  const releaseLock = acquireDataDirLock(dataDir);
  try {
    const db = await PGlite.create(join(dataDir, 'pgdata'), {
      // PostgreSQL's default 128 MB buffer pool lives inside the WASM heap and would more than double
      // the gateway's resident memory; the gateway's working set is small and the OS caches the files.
      postgresqlconf: ['shared_buffers = 16MB', 'wal_buffers = 1MB', 'maintenance_work_mem = 16MB'],
    });
    const port = await freeLoopbackPort();
    // PGlite is one backend session; the socket server queues queries from all connections onto it.
    // More than one connection is allowed so a health probe never waits for a free slot.
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 16 });
    await server.start();
    return {
      url: `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`,
      async stop() {
        await server.stop();
        await db.close();
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}
