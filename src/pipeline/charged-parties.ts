import { Inject, Injectable } from '@nestjs/common';
import type { AuthContext } from '../common/access/caller';
import { parseDuration } from '../common/duration';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { CustomersService } from '../customers/customers.service';
import type { EndUserBudget, EndUserRecord } from '../customers/end-user';
import type { VirtualKeyRecord } from '../common/access/virtual-key';
import type { LimitSubject } from '../limits/limits.service';
import { SpendSubject } from '../spend/spend-subjects';
import type { OrganizationRecord, TeamMembershipRecord, TeamRecord, UserRecord } from '../teams/team';
import { TeamDirectory } from '../teams/team-directory.service';

/** Everyone a call is charged to and limited by, looked up once per call (every lookup is cached). */
export interface ChargedParties {
  readonly key: VirtualKeyRecord | undefined;
  /** The shared budget a key names with `budget_id` (a budget tier). */
  readonly keyBudget: EndUserBudget | null;
  readonly team: TeamRecord | null;
  /** The internal user the spend row names: the key's owner, else the caller (the master key's `default_user_id`). */
  readonly userId: string | null;
  readonly user: UserRecord | null;
  readonly membership: TeamMembershipRecord | null;
  readonly organization: OrganizationRecord | null;
  /** The shared budget an organization names (`budget_id`): its limits where the organization sets none. */
  readonly organizationBudget: EndUserBudget | null;
  /** The end user the call is for (the request's `user`, else the JWT's), unless end-user tracking is off. */
  readonly endUserId: string | null;
  readonly endUser: EndUserRecord | null;
}

/** Finds the parties of a call and turns them into the subjects Limits admits and charges. */
@Injectable()
export class ChargedPartiesLookup {
  private readonly trackEndUsers: boolean;
  private readonly proxyBudget: number | null;
  private readonly proxyWindowMs: number | null;
  private readonly globalMaxParallel: number | null;

  constructor(
    private readonly directory: TeamDirectory,
    private readonly customers: CustomersService,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
  ) {
    this.trackEndUsers = config.litellm_settings.disable_end_user_cost_tracking !== true;
    this.proxyBudget = config.litellm_settings.max_budget ?? null;
    this.proxyWindowMs = windowOf(config.litellm_settings.budget_duration ?? null);
    this.globalMaxParallel = config.general_settings.global_max_parallel_requests ?? null;
  }

  async of(caller: AuthContext | null, endUserId: string | undefined): Promise<ChargedParties> {
    const key = caller?.key;
    const [team, user, membership, keyBudget] = await Promise.all([
      key?.teamId ? this.directory.findTeam(key.teamId) : null,
      key?.userId ? this.directory.findUser(key.userId) : null,
      key?.teamId && key.userId ? this.directory.findMembership(key.teamId, key.userId) : null,
      key?.budgetId ? this.customers.findBudget(key.budgetId) : null,
    ]);
    const organization = team?.organizationId ? await this.directory.findOrganization(team.organizationId) : null;
    const organizationBudget = organization?.budgetId ? await this.customers.findBudget(organization.budgetId) : null;
    const tracked = endUserId !== undefined && endUserId !== '' ? endUserId : null;
    const endUser = tracked === null ? null : await this.customers.findEndUser(tracked);
    return {
      key,
      keyBudget,
      team,
      userId: key?.userId ?? caller?.userId ?? null,
      user,
      membership,
      organization,
      organizationBudget,
      // A blocked end user is refused even when their spend is not tracked.
      endUserId: this.trackEndUsers ? tracked : null,
      endUser,
    };
  }

  /**
   * The subjects of a call, in the order their refusals take precedence: the proxy budget, the key (its per-model
   * limits with it), its team, the owner's membership and user, the end user, the organization, and last the
   * proxy's parallel cap. Every subject that has an account in the database is charged, budget or not, so its live
   * spend is always the sum of its rows.
   */
  subjectsOf(parties: ChargedParties, model: string): LimitSubject[] {
    const { key, keyBudget, team, user, membership, organization, endUser } = parties;
    const subjects: LimitSubject[] = [
      { ns: SpendSubject.global, type: 'proxy', label: 'proxy', budget: { max: this.proxyBudget, windowMs: this.proxyWindowMs }, maxParallel: null, rpm: null, tpm: null },
    ];
    if (key) {
      const modelRpm = key.modelRpmLimit[model];
      const modelTpm = key.modelTpmLimit[model];
      subjects.push({
        // The stable id, not the token: rotating a key must not reset its windows or hide its reservations.
        ns: SpendSubject.key(key.id),
        type: 'key',
        label: `api_key: ${key.keyName}`,
        budget: { max: key.maxBudget ?? keyBudget?.maxBudget ?? null, windowMs: windowOf(key.budgetDuration), soft: key.softBudget },
        maxParallel: key.maxParallelRequests ?? keyBudget?.maxParallelRequests ?? null,
        rpm: key.rpmLimit ?? keyBudget?.rpmLimit ?? null,
        tpm: key.tpmLimit ?? keyBudget?.tpmLimit ?? null,
        describesCaller: true,
        modelLimits: modelRpm !== undefined || modelTpm !== undefined ? { model, rpm: modelRpm ?? null, tpm: modelTpm ?? null } : undefined,
      });
    }
    if (team) {
      subjects.push({
        ns: SpendSubject.team(team.teamId),
        type: 'team',
        label: `team: ${team.teamId}`,
        budget: { max: team.maxBudget, windowMs: windowOf(team.budgetDuration) },
        maxParallel: team.maxParallelRequests,
        rpm: team.rpmLimit,
        tpm: team.tpmLimit,
      });
    }
    if (membership) {
      subjects.push({
        ns: SpendSubject.membership(membership.teamId, membership.userId),
        type: 'team_member',
        label: `team member: ${membership.userId}`,
        budget: { max: membership.maxBudgetInTeam, windowMs: null },
        maxParallel: null,
        rpm: null,
        tpm: null,
      });
    }
    if (user) {
      subjects.push({
        ns: SpendSubject.user(user.userId),
        type: 'user',
        label: `user: ${user.userId}`,
        budget: { max: user.maxBudget, windowMs: windowOf(user.budgetDuration) },
        maxParallel: null,
        rpm: user.rpmLimit,
        tpm: user.tpmLimit,
      });
    }
    if (parties.endUserId !== null) {
      const budget = endUser?.budget ?? null;
      subjects.push({
        ns: SpendSubject.endUser(parties.endUserId),
        type: 'customer',
        label: `customer: ${parties.endUserId}`,
        budget: { max: budget?.maxBudget ?? null, windowMs: windowOf(budget?.budgetDuration ?? null) },
        maxParallel: budget?.maxParallelRequests ?? null,
        rpm: budget?.rpmLimit ?? null,
        tpm: budget?.tpmLimit ?? null,
      });
    }
    if (organization) {
      const shared = parties.organizationBudget;
      subjects.push({
        ns: SpendSubject.organization(organization.organizationId),
        type: 'organization',
        label: `organization: ${organization.organizationId}`,
        budget: { max: organization.maxBudget ?? shared?.maxBudget ?? null, windowMs: windowOf(shared?.budgetDuration ?? null) },
        maxParallel: shared?.maxParallelRequests ?? null,
        rpm: organization.rpmLimit ?? shared?.rpmLimit ?? null,
        tpm: organization.tpmLimit ?? shared?.tpmLimit ?? null,
      });
    }
    if (this.globalMaxParallel !== null) {
      subjects.push({ ns: 'proxy', type: 'proxy', label: 'proxy', budget: null, maxParallel: this.globalMaxParallel, rpm: null, tpm: null });
    }
    return subjects;
  }
}

function windowOf(duration: string | null | undefined): number | null {
  return duration ? (parseDuration(duration) ?? null) : null;
}
