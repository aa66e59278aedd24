/** Injection token of the resolved, validated `TollgateConfig` built once at boot. */
export const TOLLGATE_CONFIG = Symbol('TOLLGATE_CONFIG');
