import aporia from './aporia.guardrail';

export type { AporiaConfig } from './aporia.guardrail';
export { APORIA_REFUSAL, refusalOf } from './aporia.guardrail';
export { AporiaApiError, AporiaClient, type AporiaMessage, type AporiaValidation } from './aporia.client';
export default aporia;
