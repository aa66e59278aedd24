/**
 * The one database capability the reports need: a parameterised query returning rows. In the app it is
 * TypeORM's `DataSource.query` (each call takes a pool connection and gives it back between batches); specs pass an
 * in-memory PGlite.
 */
export interface SqlRunner {
  query<Row = Record<string, unknown>>(sql: string, parameters?: readonly unknown[]): Promise<Row[]>;
}

export const SPEND_REPORTS_SQL = Symbol('SPEND_REPORTS_SQL');
