import { PGlite } from '@electric-sql/pglite';
import type { DataSource, QueryRunner } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { PartitionSpendLogs1764890000000 } from '../../migrations/1764890000000-partition-spend-logs';
import { MONTHS_AHEAD, monthStart, partitionName, SpendPartitions } from './spend-partitions';

/** The partitioning of the spend ledger on the real schema (an in-memory PGlite), from an existing database onward. */
describe('Spend log partitions (PGlite)', () => {
  let pg: PGlite;
  let rows: <Row>(text: string, params?: unknown[]) => Promise<Row[]>;

  const insert = (requestId: string, startTime: string, spend = 1) =>
    pg
      .query(`INSERT INTO tollgate_spend_logs (request_id, call_type, start_time, end_time, status) VALUES ($1, 'acompletion', $2, $2, 'success')`, [requestId, startTime])
      .then(() => pg.query(`UPDATE tollgate_spend_logs SET spend = $2 WHERE request_id = $1`, [requestId, spend]));
  const partitionOf = async (requestId: string) =>
    (await rows<{ name: string }>(`SELECT tableoid::regclass::text AS name FROM tollgate_spend_logs WHERE request_id = $1`, [requestId]))[0]?.name;
  const tableExists = async (name: string) => (await rows(`SELECT 1 FROM pg_class WHERE relname = $1`, [name])).length > 0;

  beforeAll(async () => {
    pg = new PGlite();
    rows = async <Row>(text: string, params?: unknown[]) => (await pg.query<Row>(text, params)).rows;
    const runner = { query: rows } as unknown as QueryRunner;
    // A database as the previous release left it, with rows in two months.
    for (const Migration of MIGRATIONS.filter((migration) => migration !== PartitionSpendLogs1764890000000)) await new Migration().up(runner);
    await insert('old-1', '2025-03-04T10:00:00Z', 2);
    await insert('old-2', '2025-03-31T23:59:59.999Z', 3);
    await insert('newer', '2025-06-01T00:00:00Z', 5);
    await new PartitionSpendLogs1764890000000().up(runner);
  }, 60_000);

  afterAll(async () => {
    await pg?.close();
  });

  it('should move existing rows into the partitions of their UTC months, and partition the months ahead', async () => {
    expect(await partitionOf('old-1')).toBe('tollgate_spend_logs_y2025m03');
    expect(await partitionOf('old-2')).toBe('tollgate_spend_logs_y2025m03');
    expect(await partitionOf('newer')).toBe('tollgate_spend_logs_y2025m06');
    expect(await rows(`SELECT sum(spend)::float8 AS total FROM tollgate_spend_logs`)).toEqual([{ total: 10 }]);
    for (let offset = 0; offset <= MONTHS_AHEAD; offset++) expect(await tableExists(partitionName(monthStart(new Date(), offset)))).toBe(true);
    expect(await tableExists('tollgate_spend_logs_unpartitioned')).toBe(false);
  });

  it('should send a row no month covers to the default partition', async () => {
    await insert('far-past', '1999-12-31T23:00:00Z');
    expect(await partitionOf('far-past')).toBe('tollgate_spend_logs_default');
  });

  it('should keep the ledger idempotent: the same call written twice is one row', async () => {
    const write = `INSERT INTO tollgate_spend_logs (request_id, call_type, start_time, end_time, status) VALUES ('twice', 'acompletion', '2025-06-02T00:00:00Z', '2025-06-02T00:00:00Z', 'success')
      ON CONFLICT ("request_id", "start_time") DO NOTHING RETURNING request_id`;
    expect(await rows(write)).toHaveLength(1);
    expect(await rows(write)).toHaveLength(0);
  });

  it('should make the partitions ahead of a date, twice without harm, and drop only months wholly before a cutoff', async () => {
    const partitions = new SpendPartitions({ query: rows } as unknown as DataSource);
    await partitions.ensure(new Date('2025-07-20T00:00:00Z'));
    await partitions.ensure(new Date('2025-07-20T00:00:00Z'));
    for (const month of ['2025-07', '2025-08', '2025-09']) expect(await tableExists(`tollgate_spend_logs_y${month.replace('-', 'm')}`)).toBe(true);

    // 2025-06-15: March goes whole (its two rows); June holds the cutoff and stays.
    expect(await partitions.dropBefore(new Date('2025-06-15T00:00:00Z'))).toBe(2);
    expect(await tableExists('tollgate_spend_logs_y2025m03')).toBe(false);
    expect(await partitionOf('newer')).toBe('tollgate_spend_logs_y2025m06');
    // The default partition is never dropped; its old rows are retention's row-by-row work.
    expect(await partitionOf('far-past')).toBe('tollgate_spend_logs_default');
    expect(await partitions.dropBefore(new Date('2025-07-01T00:00:00Z'))).toBe(2);
    expect(await tableExists('tollgate_spend_logs_y2025m06')).toBe(false);
  });
});
