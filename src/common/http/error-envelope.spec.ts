import { DomainError } from '../errors/domain-error';
import { errorKind } from './openai-exception.filter';
import { renderError } from './error-envelope';

describe('renderError', () => {
  it('should answer a lost database connection with 503 and Retry-After, not 500, and keep the driver text out', () => {
    const rendered = renderError(Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432 (postgres://admin:hunter2@db)'), { code: 'ECONNREFUSED' }));
    expect(rendered.status).toBe(503);
    expect(rendered.headers).toEqual({ 'retry-after': '1' });
    expect(rendered.unexpected).toBe(true);
    expect(rendered.body.error).toMatchObject({ type: 'service_unavailable_error', code: '503' });
    expect(JSON.stringify(rendered.body)).not.toMatch(/hunter2|10\.0\.0\.7|ECONNREFUSED/);
  });

  it('should keep a bug a generic 500', () => {
    const rendered = renderError(new TypeError("Cannot read properties of undefined (reading 'token')"));
    expect(rendered).toMatchObject({ status: 500, internalCode: 'GW_INTERNAL', unexpected: true });
    expect(rendered.body.error.message).toBe('Internal Server Error');
  });

  it('should render a domain error as it declares itself', () => {
    const rendered = renderError(new DomainError('GW_BAD_REQUEST', 'model is required', { status: 400, type: 'invalid_request_error', param: 'model' }));
    expect(rendered).toMatchObject({ status: 400, unexpected: false, body: { error: { message: 'model is required', param: 'model' } } });
  });
});

describe('errorKind', () => {
  it('should name the class and the code, never the message', () => {
    expect(errorKind(Object.assign(new Error('password=hunter2'), { code: 'ECONNREFUSED' }))).toBe('Error ECONNREFUSED');
    expect(errorKind({ code: '57P01' })).toBe('Object 57P01');
    expect(errorKind({ code: 'has spaces and = signs' })).toBe('Object');
    expect(errorKind('text')).toBe('string');
    expect(errorKind(null)).toBe('object');
  });
});
