import llmGuard from './llm-guard.guardrail';

export type { LlmGuardConfig } from './llm-guard.guardrail';
export { CONTENT_SAFETY_REFUSAL, verdictOf } from './llm-guard.guardrail';
export { LlmGuardApiError, LlmGuardClient, type LlmGuardAnalysis } from './llm-guard.client';
export default llmGuard;
