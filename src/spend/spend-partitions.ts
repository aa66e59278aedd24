import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';

/** Months partitioned ahead of the current one, so a row never waits for its partition. */
export const MONTHS_AHEAD = 2;
const PARTITION_NAME = /^tollgate_spend_logs_y(\d{4})m(\d{2})$/;

/** The partition of `tollgate_spend_logs` for the UTC month starting at `monthStart`. */
export function partitionName(monthStart: Date): string {
  return `tollgate_spend_logs_y${monthStart.getUTCFullYear()}m${String(monthStart.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The first instant of the UTC month `offset` months after the one holding `date`. */
export function monthStart(date: Date, offset = 0): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1));
}

/**
 * The monthly partitions of `tollgate_spend_logs` (by UTC month of `start_time`): made ahead of time, and dropped
 * whole by retention once every row in them is past the retention period. Rows no month covers land in the
 * default partition, where retention deletes them row by row.
 */
export class SpendPartitions {
  private readonly logger = new Logger('SpendPartitions');

  constructor(private readonly dataSource: DataSource) {}

  /** Makes the partitions of the month holding `now` and the MONTHS_AHEAD after it; every instance may run this. */
  async ensure(now: Date): Promise<void> {
    for (let offset = 0; offset <= MONTHS_AHEAD; offset++) {
      const from = monthStart(now, offset);
      const name = partitionName(from);
      try {
        await this.dataSource.query(
          `CREATE TABLE IF NOT EXISTS "${name}" PARTITION OF "tollgate_spend_logs" FOR VALUES FROM ('${from.toISOString()}') TO ('${monthStart(now, offset + 1).toISOString()}')`,
        );
      } catch (error) {
        // Another instance made it at the same moment, or the default partition already holds rows of that month
        // (a clock far ahead): those rows stay where they are, and retention deletes them row by row.
        if (!(await this.exists(name)))
          this.logger.warn(`spend partition ${name} was not created (${(error as { code?: string }).code ?? 'error'}); its rows go to the default partition`);
      }
    }
  }

  /**
   * Drops every month partition whose whole month is before `cutoff`.
   * @returns the rows dropped with them.
   */
  async dropBefore(cutoff: Date): Promise<number> {
    const partitions = (await this.dataSource.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '"tollgate_spend_logs"'::regclass`,
    )) as { name: string }[];
    let dropped = 0;
    for (const { name } of partitions) {
      const match = PARTITION_NAME.exec(name);
      if (!match) continue;
      const end = monthStart(new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)), 1);
      if (end.getTime() > cutoff.getTime()) continue;
      const [{ rows }] = (await this.dataSource.query(`SELECT count(*)::int AS rows FROM "${name}"`)) as { rows: number }[];
      await this.dataSource.query(`DROP TABLE IF EXISTS "${name}"`);
      dropped += rows;
    }
    return dropped;
  }

  private async exists(name: string): Promise<boolean> {
    const rows = (await this.dataSource.query(`SELECT 1 FROM pg_class WHERE relname = $1`, [name])) as unknown[];
    return rows.length > 0;
  }
}
