import type { LogLevel } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createApp } from '../../src/app.factory';
import type { TollgateConfig } from '../../src/config/config.types';
import { loadConfigWithSecrets } from '../../src/secrets/config-secrets.loader';
import { TEMPLATE_DIR } from './global-setup';

export interface TestGateway {
  app: NestFastifyApplication;
  /** `http://127.0.0.1:PORT` */
  url: string;
  config: TollgateConfig;
  /** What to pass as `storage` to boot another gateway on the same data (restart tests). */
  storage: TestStorage;
  close(): Promise<void>;
}

export interface TestStorage {
  dataDir: string;
  databaseUrl?: string;
}

export interface StartOptions {
  env?: Record<string, string>;
  storage?: TestStorage;
  /** Nest log levels (default: errors only). */
  logLevels?: LogLevel[];
}

/**
 * Boots the real app on Fastify on a random loopback port, from a YAML config text, on its own database:
 * a copy of the migrated embedded-cluster template, or, when DATABASE_URL is set (CI's server run), a fresh
 * database on that server.
 */
export async function startGateway(yaml: string, options: StartOptions = {}): Promise<TestGateway> {
  const storage = options.storage ?? (await freshStorage());
  const configPath = join(storage.dataDir, 'config.yaml');
  writeFileSync(configPath, yaml);
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, TOLLGATE_DATA_DIR: storage.dataDir };
  delete env.DATABASE_URL;
  if (storage.databaseUrl) env.DATABASE_URL = storage.databaseUrl;
  const config = await loadConfigWithSecrets({ configPath, env });
  const app = await createApp(config, { logLevels: options.logLevels ?? ['error'] });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    config,
    storage,
    close: () => app.close(),
  };
}

export async function freshStorage(): Promise<TestStorage> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-e2e-'));
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    cpSync(TEMPLATE_DIR, dataDir, { recursive: true, filter: (source) => !source.endsWith('/ready') && !source.endsWith('tollgate.pid') });
    return { dataDir };
  }
  const name = `tollgate_e2e_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { dataDir, databaseUrl: url.toString() };
}

/** Removes a suite's data directory (server databases are left for the CI machine to discard). */
export function discardStorage(storage: TestStorage): void {
  rmSync(storage.dataDir, { recursive: true, force: true });
}
