/** Whether the app runs on the embedded engine (one backend session) or a PostgreSQL server. */
export const DATABASE_KIND = Symbol('DATABASE_KIND');
export type DatabaseKind = 'embedded' | 'server';
