import presidio from './presidio.guardrail';

export type { PiiAction, PresidioConfig } from './presidio.guardrail';
export { unmask } from './presidio.guardrail';
export { PresidioClient, PresidioServiceError, type PiiSpan } from './presidio.client';
export default presidio;
