/** Socket-level codes: the peer is down, refused, reset or did not answer. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * PostgreSQL SQLSTATEs that mean "no usable connection", not "the query was wrong": class 08 (connection
 * exception), 57P01–57P03 (the server is shutting down, crashed or is starting up) and 53300 (too many connections).
 */
const POSTGRES_UNAVAILABLE = /^(08\d{3}|57P0[123]|53300)$/;

/** What node-postgres says without a code when the server went away mid-conversation or the pool gave up. */
const DRIVER_TEXTS = [/^Connection terminated/i, /timeout exceeded when trying to connect/i, /^Client has encountered a connection error/i];

/**
 * True when `error` says the database (or another backing service) cannot be reached right now, as opposed to a
 * query or a bug. Checked by shape, not class: errors raised by Node's sockets come from another realm under
 * some runners, so `instanceof` would miss them.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, cause, driverError } = error as { code?: unknown; message?: unknown; cause?: unknown; driverError?: unknown };
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || POSTGRES_UNAVAILABLE.test(code))) return true;
  if (typeof message === 'string' && DRIVER_TEXTS.some((text) => text.test(message))) return true;
  // TypeORM (driverError), AggregateError (every address refused) and Error.cause wrap the driver's error.
  if (driverError !== undefined && driverError !== error && isConnectionFailure(driverError)) return true;
  const nested = (error as { errors?: unknown }).errors;
  if (Array.isArray(nested) && nested.length > 0 && nested.every(isConnectionFailure)) return true;
  return cause !== undefined && cause !== error && isConnectionFailure(cause);
}
