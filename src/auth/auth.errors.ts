import { DomainError } from '../common/errors/domain-error';

/** A handler without @Route(): refused rather than guessed, so a forgotten declaration never opens a route. */
export class UndeclaredRouteError extends DomainError {
  constructor(path: string) {
    super('GW_INTERNAL', `Route ${path} has no access class declared.`, { status: 500, type: 'internal_server_error' });
  }
}
