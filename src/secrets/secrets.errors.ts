import { DomainError } from '../common/errors/domain-error';

/**
 * A manager-held value is needed but there is none to use: never read, or its cached copy outlived its TTL
 * while the manager could not be reached. The call fails here rather than going upstream with no key.
 * The message names the secret and the manager, never a value.
 */
export class SecretUnavailableError extends DomainError {
  constructor(name: string, system: string, reason: string) {
    super('GW_SECRET_UNAVAILABLE', `The secret ${name} from ${system} is unavailable: ${reason}. Try again later.`, {
      status: 503,
      type: 'api_error',
    });
  }
}

/** A manager answered a read or write with a failure (or did not answer); carries a value-free description. */
export class SecretManagerError extends Error {
  override readonly name = 'SecretManagerError';
  constructor(readonly description: string) {
    super(description);
  }
}

/**
 * Describes a client failure without its message: SDK messages can quote request fields, so only the error's
 * class, code and HTTP status are kept (`ResourceNotFoundException (HTTP 400)`, `ECONNREFUSED`).
 */
export function describeFailure(error: unknown): string {
  if (error instanceof SecretManagerError) return error.description;
  if (typeof error !== 'object' || error === null) return 'unknown error';
  const details = error as { name?: unknown; code?: unknown; statusCode?: unknown; $metadata?: { httpStatusCode?: unknown }; cause?: unknown; errors?: unknown };
  // Node reports a refused connection to several addresses as an AggregateError whose parts carry the code.
  const nested = [details.cause, ...(Array.isArray(details.errors) ? details.errors : [])] as ({ code?: unknown } | undefined)[];
  const nestedCode = nested.map((inner) => inner?.code).find((value): value is string => typeof value === 'string');
  // Some clients re-wrap a socket error as text ("AWS SDK error wrapper for Error: connect ECONNREFUSED …"):
  // a Node error code in the message is safe to show, the rest of the message is not.
  const message = error instanceof Error || typeof (error as { message?: unknown }).message === 'string' ? String((error as { message: unknown }).message) : '';
  const codeInMessage = /\b(E[A-Z]{4,}|[A-Z_]*CERT[A-Z_]*)\b/.exec(message)?.[1];
  const code = typeof details.code === 'string' || typeof details.code === 'number' ? String(details.code) : (nestedCode ?? codeInMessage);
  const status = details.$metadata?.httpStatusCode ?? details.statusCode;
  const name = typeof details.name === 'string' ? details.name : 'Error';
  const parts = [code !== undefined && code !== name ? `${name} ${code}` : name];
  if (typeof status === 'number') parts.push(`(HTTP ${status})`);
  return parts.join(' ');
}
