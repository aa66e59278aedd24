import { Inject, Injectable, Optional } from '@nestjs/common';
import { RecordCache } from '../common/record-cache';
import { UnitOfWork } from '../database/unit-of-work';
import { INVALIDATION_BUS, InvalidationTopic, type InvalidationBus, type InvalidationPayload } from '../store/invalidation-bus';
import type { OrganizationRecord, TeamMembershipRecord, TeamRecord, UserRecord } from './team';
import { toMembershipRecord, toOrganizationRecord, toTeamRecord, toUserRecord } from './team-mapper';
import { membershipKey, TeamsRepository } from './teams.repository';

/**
 * The hot-path view of teams, internal users, memberships and organizations: what a call of a key needs to know
 * about the parties it is charged to, read through caches. The management services (teams, users, organizations)
 * tell the directory about every change before they answer, so the next call sees it; the directory passes each
 * change on to the other instances (the invalidation bus) and applies theirs. The records carry limits, never
 * live spend (that is the counter store's).
 */
@Injectable()
export class TeamDirectory {
  private readonly teams = new RecordCache<TeamRecord>();
  private readonly users = new RecordCache<UserRecord>();
  private readonly memberships = new RecordCache<TeamMembershipRecord>();
  private readonly organizations = new RecordCache<OrganizationRecord>();
  private readonly loading = new Map<string, Promise<unknown>>();

  constructor(
    private readonly repository: TeamsRepository,
    @Optional() @Inject(INVALIDATION_BUS) private readonly bus?: InvalidationBus,
    @Optional() private readonly db?: UnitOfWork,
  ) {
    bus?.subscribe(InvalidationTopic.teams, (payload) => this.apply(payload));
    bus?.onResync(() => this.forgetEverything());
  }

  findTeam(teamId: string): Promise<TeamRecord | null> {
    return this.cached(this.teams, `team:${teamId}`, teamId, async () => {
      const entity = await this.repository.findTeam(teamId);
      return entity ? toTeamRecord(entity) : null;
    });
  }

  findUser(userId: string): Promise<UserRecord | null> {
    return this.cached(this.users, `user:${userId}`, userId, async () => {
      const entity = await this.repository.findUser(userId);
      return entity ? toUserRecord(entity) : null;
    });
  }

  findMembership(teamId: string, userId: string): Promise<TeamMembershipRecord | null> {
    const id = membershipKey(teamId, userId);
    return this.cached(this.memberships, `member:${id}`, id, async () => {
      const [row] = await this.repository.findMemberships({ teamId, userId });
      return row ? toMembershipRecord(row) : null;
    });
  }

  findOrganization(organizationId: string): Promise<OrganizationRecord | null> {
    return this.cached(this.organizations, `org:${organizationId}`, organizationId, async () => {
      const entity = await this.repository.findOrganization(organizationId);
      return entity ? toOrganizationRecord(entity) : null;
    });
  }

  /** A team was created or changed: the next lookup reads it again, and the users and memberships it touched. */
  teamChanged(teamId: string, touchedUserIds: readonly (string | null)[] = []): void {
    const users = touchedUserIds.filter((userId): userId is string => Boolean(userId));
    this.evictTeam(teamId, users);
    this.announce({ team: [teamId], users });
  }

  teamsDeleted(teamIds: readonly string[]): void {
    this.evictTeams(teamIds);
    this.announce({ teamsDeleted: teamIds });
  }

  userChanged(userId: string): void {
    this.evict(this.users, `user:${userId}`, userId);
    this.announce({ user: [userId] });
  }

  usersDeleted(userIds: readonly string[]): void {
    this.evictUsers(userIds);
    this.announce({ usersDeleted: userIds });
  }

  organizationChanged(organizationId: string): void {
    this.evict(this.organizations, `org:${organizationId}`, organizationId);
    this.announce({ organization: [organizationId] });
  }

  /** Organizations were deleted: teams in them lose the organization from the next lookup on. */
  organizationsDeleted(organizationIds: readonly string[]): void {
    this.evictOrganizations(organizationIds);
    this.announce({ organizationsDeleted: organizationIds });
  }

  /**
   * Tells the other instances once the change is committed (an admin request runs in one transaction): told
   * earlier, one could read the old row again and keep it.
   */
  private announce(payload: InvalidationPayload): void {
    const bus = this.bus;
    if (!bus) return;
    const publish = (): void => bus.publish(InvalidationTopic.teams, payload);
    if (this.db) this.db.afterCommit(publish);
    else publish();
  }

  /** A change another instance made. */
  private apply(payload: InvalidationPayload): void {
    if (payload.team) for (const teamId of payload.team) this.evictTeam(teamId, payload.users ?? []);
    if (payload.teamsDeleted) this.evictTeams(payload.teamsDeleted);
    if (payload.user) for (const userId of payload.user) this.evict(this.users, `user:${userId}`, userId);
    if (payload.usersDeleted) this.evictUsers(payload.usersDeleted);
    if (payload.organization) for (const id of payload.organization) this.evict(this.organizations, `org:${id}`, id);
    if (payload.organizationsDeleted) this.evictOrganizations(payload.organizationsDeleted);
  }

  /** Messages may have been missed: every cached team, user, membership and organization is read again. */
  private forgetEverything(): void {
    for (const cache of [this.teams, this.users, this.memberships, this.organizations] as RecordCache<unknown>[]) cache.evictWhere(() => true);
    this.loading.clear();
  }

  private evictTeam(teamId: string, touchedUserIds: readonly string[]): void {
    this.evict(this.teams, `team:${teamId}`, teamId);
    for (const userId of touchedUserIds) {
      if (!userId) continue;
      this.evict(this.users, `user:${userId}`, userId);
      this.evict(this.memberships, `member:${membershipKey(teamId, userId)}`, membershipKey(teamId, userId));
    }
  }

  private evictTeams(teamIds: readonly string[]): void {
    const gone = new Set(teamIds);
    for (const teamId of teamIds) this.evict(this.teams, `team:${teamId}`, teamId);
    this.users.evictWhere((_, user) => user.teams.some((teamId) => gone.has(teamId)));
    this.memberships.evictWhere((_, membership) => gone.has(membership.teamId));
    this.loading.clear();
  }

  private evictUsers(userIds: readonly string[]): void {
    const gone = new Set(userIds);
    for (const userId of userIds) this.evict(this.users, `user:${userId}`, userId);
    this.memberships.evictWhere((_, membership) => gone.has(membership.userId));
    this.loading.clear();
  }

  private evictOrganizations(organizationIds: readonly string[]): void {
    const gone = new Set(organizationIds);
    for (const organizationId of organizationIds) this.evict(this.organizations, `org:${organizationId}`, organizationId);
    this.teams.evictWhere((_, team) => team.organizationId !== null && gone.has(team.organizationId));
    this.loading.clear();
  }

  private evict<T>(cache: RecordCache<T>, loadingKey: string, id: string): void {
    cache.evict(id);
    this.loading.delete(loadingKey);
  }

  /** Cache, then one database read per id at a time; the answer is cached unless a change raced the read. */
  private async cached<T>(cache: RecordCache<T>, loadingKey: string, id: string, read: () => Promise<T | null>): Promise<T | null> {
    const hit = cache.get(id);
    if (hit !== undefined) return hit;
    const now = Date.now();
    if (cache.isKnownMiss(id, now)) return null;
    let load = this.loading.get(loadingKey) as Promise<T | null> | undefined;
    if (!load) {
      const epoch = cache.epoch;
      const started = read().then(
        (record) => {
          if (cache.epoch !== epoch) return record;
          const raced = cache.get(id);
          if (raced !== undefined) return raced;
          if (record === null) cache.rememberMiss(id, now);
          else cache.adopt(id, record);
          return record;
        },
        (error: unknown) => {
          if (cache.missHeldThroughOutage(id, error, Date.now())) return null;
          throw error;
        },
      );
      load = started.finally(() => {
        if (this.loading.get(loadingKey) === load) this.loading.delete(loadingKey);
      });
      this.loading.set(loadingKey, load);
    }
    return load;
  }
}
