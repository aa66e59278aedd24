import llamaGuard from './llamaguard.guardrail';

export type { LlamaGuardConfig } from './llamaguard.guardrail';
export { CONTENT_SAFETY_REFUSAL, DEFAULT_CATEGORIES_FILE } from './llamaguard.guardrail';
export { categoryNames, llamaGuardPrompt, LlamaGuardAnswerError, parseAssessment, type AssessedRole, type Assessment, type Turn } from './llamaguard-prompt';
export default llamaGuard;
