import detectPromptInjection from './detect-prompt-injection.guardrail';

export type { DetectPromptInjectionConfig } from './detect-prompt-injection.guardrail';
export { INJECTION_REFUSAL } from './detect-prompt-injection.guardrail';
export { INJECTION_SIGNALS, normalise, scoreInjection, scoreInjectionInSlices } from './injection-heuristics';
export default detectPromptInjection;
