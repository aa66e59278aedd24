import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TollgateConfig } from '../config/config.types';
import type { SpendLogRow } from './spend-log-row';
import { SpendLedgerService } from './spend-ledger.service';
import type { SpendLedgerWriter } from './spend-ledger.writer';
import { SpendSubject } from './spend-subjects';

/**
 * The database side of the ledger, in memory: rows by request_id (idempotent like the real INSERT … ON
 * CONFLICT DO NOTHING) and counters that grow only by the rows a batch actually inserted.
 */
class FakeDatabase {
  readonly rows = new Map<string, SpendLogRow>();
  readonly keySpend = new Map<string, number>();
  down = false;
  statements = 0;

  readonly writer = {
    insert: async (rowsJson: readonly string[]): Promise<number> => {
      this.statements++;
      if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      let applied = 0;
      for (const row of rowsJson.map((json) => JSON.parse(json) as SpendLogRow)) {
        if (this.rows.has(row.request_id)) continue;
        this.rows.set(row.request_id, row);
        applied++;
        if (row.key_id) this.keySpend.set(row.key_id, (this.keySpend.get(row.key_id) ?? 0) + row.spend);
      }
      return applied;
    },
  };

  get asWriter(): SpendLedgerWriter {
    return this.writer as unknown as SpendLedgerWriter;
  }
}

let sequence = 0;
function row(spend: number, keyId = 'key-1'): SpendLogRow {
  sequence++;
  return { request_id: `chatcmpl-${sequence}`, key_id: keyId, spend, team_id: null, user: null, end_user: null, organization_id: null } as SpendLogRow;
}

function configFor(dataDir: string, maxQueuedRows = 10_000): TollgateConfig {
  return { dataDir, spendLedger: { maxQueuedRows }, general_settings: {}, litellm_settings: {} } as unknown as TollgateConfig;
}

function journalFiles(dataDir: string): string[] {
  return readdirSync(join(dataDir, 'spend-journal')).filter((name) => name.endsWith('.ndjson'));
}

describe(SpendLedgerService.name, () => {
  let dataDir: string;
  let db: FakeDatabase;
  const ledgers: SpendLedgerService[] = [];

  async function startLedger(maxQueuedRows?: number): Promise<SpendLedgerService> {
    const ledger = new SpendLedgerService(db.asWriter, configFor(dataDir, maxQueuedRows));
    await ledger.onModuleInit();
    ledgers.push(ledger);
    return ledger;
  }

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-ledger-'));
    db = new FakeDatabase();
  });

  afterEach(async () => {
    db.down = false;
    for (const ledger of ledgers.splice(0)) await ledger.onApplicationShutdown();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('should write recorded rows in one batch and count them as pending until then', async () => {
    const ledger = await startLedger();
    const commits: number[] = [];
    ledger.onCommitted(() => commits.push(db.rows.size));
    ledger.record(row(0.25));
    ledger.record(row(0.5));
    expect(ledger.pendingSpend(SpendSubject.key('key-1'))).toBe(0.75);
    expect(ledger.pendingSpend(SpendSubject.global)).toBe(0.75);
    await ledger.flush();
    expect(db.rows.size).toBe(2);
    expect(db.keySpend.get('key-1')).toBe(0.75);
    expect(ledger.pendingSpend(SpendSubject.key('key-1'))).toBe(0);
    expect(commits).toEqual([2]);
    expect(db.statements).toBe(1);
  });

  it('should keep rows through a database outage and write each exactly once when it returns', async () => {
    const ledger = await startLedger();
    db.down = true;
    const recorded = Array.from({ length: 20 }, () => row(0.1));
    for (const r of recorded) ledger.record(r);
    await ledger.flush();
    expect(db.rows.size).toBe(0);
    expect(ledger.status()).toMatchObject({ queuedRows: 20 });
    expect(ledger.status().outageSince).toBeInstanceOf(Date);
    expect(ledger.pendingSpend(SpendSubject.key('key-1'))).toBeCloseTo(2, 10);
    db.down = false;
    await ledger.flush();
    expect([...db.rows.keys()].sort()).toEqual(recorded.map((r) => r.request_id).sort());
    expect(db.keySpend.get('key-1')).toBeCloseTo(2, 10);
    expect(ledger.status()).toMatchObject({ queuedRows: 0, outageSince: null });
    expect(ledger.pendingSpend(SpendSubject.key('key-1'))).toBe(0);
  });

  it('should keep memory bounded in a long outage, spilling rows to the journal and replaying them later', async () => {
    const ledger = await startLedger(5);
    db.down = true;
    const recorded = Array.from({ length: 12 }, () => row(0.5));
    for (const r of recorded) ledger.record(r);
    expect(ledger.status().queuedRows).toBe(5);
    await ledger.flush();
    db.down = false;
    await ledger.flush();
    expect(db.rows.size).toBe(12);
    expect(db.keySpend.get('key-1')).toBe(6);
    expect(ledger.pendingSpend(SpendSubject.key('key-1'))).toBe(0);
    await ledger.flush();
    expect(journalFiles(dataDir)).toEqual([]);
  });

  it('should leave unwritten rows in the journal at shutdown and write them at the next start', async () => {
    const first = await startLedger();
    db.down = true;
    const recorded = [row(1), row(2), row(3)];
    for (const r of recorded) first.record(r);
    await first.onApplicationShutdown();
    ledgers.splice(0);
    expect(journalFiles(dataDir).length).toBe(1);
    db.down = false;
    await startLedger();
    expect([...db.rows.keys()].sort()).toEqual(recorded.map((r) => r.request_id).sort());
    expect(db.keySpend.get('key-1')).toBe(6);
    expect(journalFiles(dataDir)).toEqual([]);
  });

  it('should not count a row twice when a crash left it in the journal after the database had it', async () => {
    const first = await startLedger();
    const written = row(1);
    first.record(written);
    await first.flush();
    expect(db.keySpend.get('key-1')).toBe(1);
    // What a crash between the database commit and the journal's cleanup leaves behind.
    const journal = join(dataDir, 'spend-journal');
    writeFileSync(join(journal, 'segment-000000000099.ndjson'), `${JSON.stringify({ r: written, m: 1 })}\n${JSON.stringify({ r: row(2), m: 1 })}\n{"r":{"request_id":"torn`);
    await first.onApplicationShutdown();
    ledgers.splice(0);
    await startLedger();
    expect(db.rows.size).toBe(2);
    expect(db.keySpend.get('key-1')).toBe(3);
  });

  it('should have every row on disk within the group-commit window, before the database sees it', async () => {
    const ledger = await startLedger();
    db.down = true;
    const recorded = row(0.5);
    ledger.record(recorded);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const [file] = journalFiles(dataDir);
    expect(readFileSync(join(dataDir, 'spend-journal', file), 'utf8')).toContain(recorded.request_id);
  });

  it('should refuse a second process on the same journal', async () => {
    await startLedger();
    const lock = join(dataDir, 'spend-journal', 'journal.pid');
    // Pid 1 is always alive: another gateway holding the journal.
    writeFileSync(lock, '1');
    const second = new SpendLedgerService(db.asWriter, configFor(dataDir));
    await expect(second.onModuleInit()).rejects.toThrow(/in use by process 1/);
  });
});
