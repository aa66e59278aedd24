import openAiModeration from './openai-moderation.guardrail';

export type { OpenAiModerationConfig } from './openai-moderation.guardrail';
export { violations } from './openai-moderation.guardrail';
export default openAiModeration;
