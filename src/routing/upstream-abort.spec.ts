import { renderError } from '../common/http/error-envelope';
import { ClientDisconnected } from './upstream-abort';

describe('ClientDisconnected', () => {
  it('should render as a 499 that is not an unexpected (logged) server failure', () => {
    const rendered = renderError(new ClientDisconnected());
    expect(rendered.status).toBe(499);
    expect(rendered.unexpected).toBe(false);
    expect(rendered.internalCode).toBe('GW_CLIENT_DISCONNECTED');
  });
});
