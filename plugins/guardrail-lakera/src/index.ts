import lakera from './lakera.guardrail';

export type { LakeraConfig } from './lakera.guardrail';
export { categoriesOf, LAKERA_REFUSAL, LAKERA_REPLY_REFUSAL } from './lakera.guardrail';
export { LakeraApiError, LakeraClient, type LakeraDetectorResult, type LakeraGuardResult, type LakeraMessage } from './lakera.client';
export default lakera;
