import genericGuardrailApi from './generic-guardrail-api.guardrail';

export type { GenericGuardrailApiConfig } from './generic-guardrail-api.guardrail';
export { GenericGuardrailApiClient, GenericGuardrailApiError, type GuardrailApiAnswer, type GuardrailApiRequest } from './generic-guardrail-api.client';
export default genericGuardrailApi;
