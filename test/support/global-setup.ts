import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

/**
 * Creating and migrating an embedded cluster costs seconds; doing it once and copying its directory per suite
 * keeps every e2e suite on its own real database without paying that each time.
 */
// The migrations' code, not just their names: an edited (not yet landed) migration must rebuild the template.
const migrationsDigest = createHash('sha1')
  .update(MIGRATIONS.map((m) => `${m.name}:${m.prototype.up.toString()}`).join(','))
  .digest('hex')
  .slice(0, 12);
export const TEMPLATE_DIR = join(tmpdir(), `tollgate-e2e-template-postgres-${migrationsDigest}`);

export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL || existsSync(join(TEMPLATE_DIR, 'ready'))) return;
  rmSync(TEMPLATE_DIR, { recursive: true, force: true });
  const building = `${TEMPLATE_DIR}.building-${process.pid}`;
  mkdirSync(building, { recursive: true });
  const embedded = await startEmbeddedPostgres(building);
  const dataSource = new DataSource({ type: 'postgres', url: embedded.url, migrations: MIGRATIONS, migrationsTableName: 'tollgate_migrations' });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();
  await embedded.stop();
  cpSync(building, TEMPLATE_DIR, { recursive: true });
  rmSync(building, { recursive: true, force: true });
  mkdirSync(join(TEMPLATE_DIR, 'ready'));
}
