import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import type { AlertKey } from './alert';

/**
 * The alerts already sent (tollgate_sent_alerts). `claim` inserts the alert's key with `ON CONFLICT DO NOTHING`:
 * exactly one instance's insert takes, and only that instance sends, so each alert goes out once across them all.
 */
@Injectable()
export class SentAlerts {
  constructor(private readonly database: DatabaseService) {}

  /** @returns true when this caller took the alert (and must send it), false when it was sent already. */
  async claim(key: AlertKey): Promise<boolean> {
    const rows: unknown[] = await this.database.dataSource.query(
      `INSERT INTO "tollgate_sent_alerts" ("alert_type", "subject", "threshold", "window_start") VALUES ($1, $2, $3, $4)
        ON CONFLICT DO NOTHING RETURNING 1`,
      [key.alertType, key.subject, key.threshold, key.windowStart],
    );
    return rows.length > 0;
  }
}
