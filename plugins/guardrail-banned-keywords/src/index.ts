import bannedKeywords from './banned-keywords.guardrail';

export type { BannedKeywordsConfig } from './banned-keywords.guardrail';
export { findBannedKeyword, loadKeywords } from './banned-keywords.guardrail';
export default bannedKeywords;
