import azureContentSafety from './azure-content-safety.guardrail';

export type { AzureCheck, AzureContentSafetyConfig } from './azure-content-safety.guardrail';
export { AzureContentSafetyClient, AzureContentSafetyError, HARM_CATEGORIES, splitText, type HarmCategory } from './azure-content-safety.client';
export default azureContentSafety;
