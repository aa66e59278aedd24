import { isConnectionFailure } from './connection-failure';

describe('isConnectionFailure', () => {
  it.each([
    ['a refused socket', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a reset socket', { code: 'ECONNRESET', message: 'read ECONNRESET' }],
    ['PostgreSQL shutting down (57P01)', { code: '57P01', message: 'terminating connection due to administrator command' }],
    ['PostgreSQL starting up (57P03)', { code: '57P03', message: 'the database system is starting up' }],
    ['a connection exception (08006)', { code: '08006', message: 'connection failure' }],
    ['node-postgres losing the server', new Error('Connection terminated unexpectedly')],
    ['the pool giving up', new Error('timeout exceeded when trying to connect')],
    ['TypeORM wrapping the driver', { message: 'Query failed', driverError: { code: '57P01' } }],
    ['every address refused', Object.assign(new AggregateError([{ code: 'ECONNREFUSED' }, { code: 'ECONNREFUSED' }]), { message: '' })],
    ['a cause chain', new Error('lookup failed', { cause: { code: 'ETIMEDOUT' } })],
  ])('should recognise %s', (_label, error) => {
    expect(isConnectionFailure(error)).toBe(true);
  });

  it.each([
    ['a query error', { code: '42703', message: 'column "x" does not exist' }],
    ['a unique violation', { code: '23505', message: 'duplicate key value' }],
    ['a plain bug', new TypeError('Cannot read properties of undefined')],
    ['a thrown string', 'ECONNREFUSED'],
    ['null', null],
    ['a mixed aggregate', new AggregateError([{ code: 'ECONNREFUSED' }, new Error('bad')])],
  ])('should not take %s for an outage', (_label, error) => {
    expect(isConnectionFailure(error)).toBe(false);
  });
});
