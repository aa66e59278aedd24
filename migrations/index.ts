import { CreateInstanceBoots1764230400000 } from './1764230400000-create-instance-boots';
import { CreateBudgetCounters1764300000000 } from './1764300000000-create-budget-counters';
import { CreateVirtualKeys1764320000000 } from './1764320000000-create-virtual-keys';
import { CreateEndUsersAndBudgets1764340000000 } from './1764340000000-create-end-users-and-budgets';
import { CreateTeamsUsersOrganizations1764360000000 } from './1764360000000-create-teams-users-organizations';
import { CreateSpendLogs1764400000000 } from './1764400000000-create-spend-logs';
import { CreateAuditLog1764500000000 } from './1764500000000-create-audit-log';
import { CreateProxyModels1764600000000 } from './1764600000000-create-proxy-models';
import { OrganizationBudgetWindows1764700000000 } from './1764700000000-organization-budget-windows';
import { InstanceHeartbeats1764780000000 } from './1764780000000-instance-heartbeats';
import { TeamDeprecatedMembers1764800000000 } from './1764800000000-team-deprecated-members';
import { CreateResponses1764860000000 } from './1764860000000-create-responses';
import { CreateLlmObjectOwners1764870000000 } from './1764870000000-create-llm-object-owners';
import { SpendTagDays1764880000000 } from './1764880000000-spend-tag-days';
import { PartitionSpendLogs1764890000000 } from './1764890000000-partition-spend-logs';
import { CreateSentAlerts1764900000000 } from './1764900000000-create-sent-alerts';
import { CreateProxySettings1764910000000 } from './1764910000000-create-proxy-settings';
import { CreateUiSessions1764920000000 } from './1764920000000-create-ui-sessions';
import { SpendModelDays1764940000000 } from './1764940000000-spend-model-days';

/**
 * Every migration, oldest first. Listed explicitly rather than globbed so the same list runs from
 * compiled JavaScript, from ts under Jest, and from a bundled build. Never edit one after it lands.
 */
export const MIGRATIONS = [
  CreateInstanceBoots1764230400000,
  CreateBudgetCounters1764300000000,
  CreateVirtualKeys1764320000000,
  CreateEndUsersAndBudgets1764340000000,
  CreateTeamsUsersOrganizations1764360000000,
  CreateSpendLogs1764400000000,
  CreateAuditLog1764500000000,
  CreateProxyModels1764600000000,
  OrganizationBudgetWindows1764700000000,
  InstanceHeartbeats1764780000000,
  TeamDeprecatedMembers1764800000000,
  CreateResponses1764860000000,
  CreateLlmObjectOwners1764870000000,
  SpendTagDays1764880000000,
  PartitionSpendLogs1764890000000,
  CreateSentAlerts1764900000000,
  CreateProxySettings1764910000000,
  CreateUiSessions1764920000000,
  SpendModelDays1764940000000,
];
