import blockedUserCheck from './blocked-user-check.guardrail';

export type { BlockedUserCheckConfig } from './blocked-user-check.guardrail';
export default blockedUserCheck;
