import { DomainError } from '../common/errors/domain-error';

/**
 * A response the caller cannot see: unknown, deleted, expired, created with `store: false`, or another key's. All
 * five read the same, so a key learns nothing about responses that are not its own.
 */
export class ResponseNotFoundError extends DomainError {
  constructor(id: string, param: string | null = null) {
    const shown = /^[A-Za-z0-9_.:-]{1,128}$/.test(id) ? `'${id}'` : 'given';
    super('GW_NOT_FOUND', param === 'previous_response_id' ? `Previous response with id ${shown} not found.` : `No response found with id ${shown}.`, {
      status: 404,
      type: 'invalid_request_error',
      param,
    });
  }
}
