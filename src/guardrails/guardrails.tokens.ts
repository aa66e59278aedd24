/** Injection token of the {@link GuardrailRegistry} loaded at boot. */
export const GUARDRAIL_REGISTRY = Symbol('GUARDRAIL_REGISTRY');
