import bedrock from './bedrock.guardrail';

export type { BedrockConfig } from './bedrock.guardrail';
export { BedrockGuardrailClient, BedrockGuardrailError, blockedPolicies, type ApplyGuardrailResponse, type GuardrailSource } from './bedrock.client';
export default bedrock;
