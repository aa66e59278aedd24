import hideSecrets from './hide-secrets.guardrail';

export type { HideSecretsConfig } from './hide-secrets.guardrail';
export { DETECTOR_TYPES, findSecrets, redactSecrets, redactSecretsInSlices, shannonEntropy } from './secret-detectors';
export default hideSecrets;
