import googleTextModeration from './google-text-moderation.guardrail';

export type { GoogleTextModerationConfig } from './google-text-moderation.guardrail';
export { CONTENT_SAFETY_REFUSAL, verdictOf } from './google-text-moderation.guardrail';
export { apiKeyCredentials, CLOUD_PLATFORM_SCOPE, credentialsFromJson, GoogleAuthError, type GoogleCredentials } from './google-auth';
export { GoogleModerationApiError, GoogleModerationClient, type ModerationScore } from './google-text-moderation.client';
export { categoryKey, DEFAULT_CONFIDENCE_THRESHOLD, MODERATION_CATEGORIES, thresholdKeys, thresholdsOf } from './moderation-categories';
export default googleTextModeration;
