import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { AuthContext } from '../common/access/caller';
import type { GenerateKeyDto } from '../keys/dto/key-params.dto';
import type { ListKeysQueryDto } from '../keys/dto/key-request.dto';
import { KeysService } from '../keys/keys.service';
import { LiveSpendService } from '../spend/live-spend.service';
import { SpendSubject } from '../spend/spend-subjects';
import type { NewUserDto, UpdateUserDto, UserListQueryDto } from './dto/user-request.dto';
import type { StoredMember } from './entities';
import { findMember } from './members';
import { toUserRow } from './team-mapper';
import type { UserRowDto } from './dto/team-response.dto';
import type { DeleteUsersResponseDto, NewUserResponseDto, UserInfoResponseDto, UserListResponseDto } from './dto/user-response.dto';
import type { KeyRowDto } from '../keys/dto/key-response.dto';
import { TeamDirectory } from './team-directory.service';
import { PROXY_BUDGET_USER_ID } from './team';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { InvalidTeamRequestError, TeamNotFoundForUpdateError, UserNotFoundError, TeamsAccessDeniedError } from './teams.errors';
import { TeamsRepository, UserChanges } from './teams.repository';
import { UnitOfWork } from '../database/unit-of-work';
import { TeamViews } from './team-views.service';
import { windowOf, instant, adminContext, isSet, pythonList, windowEnd, validateBudget, seesEverything } from './team-rules';
import { hashPassword, verifyAgainstNobody, verifyPassword } from './password';

/**
 * Internal users: `/user/*`. A user created with `/user/new` gets a key of its own unless asked not to; the proxy's
 * global budget is shown as LiteLLM's user `litellm-proxy-budget`.
 */
/** A user just committed by `/user/new`, as in-process listeners (the `new_internal_user_created` alert) are told of it. */
export interface CreatedUser {
  readonly userId: string;
  readonly userEmail: string | null;
  readonly userRole: string;
  readonly maxBudget: number | null;
  /** The caller who created it (`default_user_id` for the master key). */
  readonly createdBy: string | null;
}

@Injectable()
export class UsersService {
  /** `litellm_settings.max_budget`: LiteLLM shows the proxy's global spend as the user `litellm-proxy-budget`. */
  private readonly proxyBudget: { max: number | null; duration: string | null; windowMs: number | null };
  private readonly createdListeners: ((user: CreatedUser) => void)[] = [];
  private readonly logger = new Logger('Users');

  constructor(
    private readonly repository: TeamsRepository,
    private readonly keys: KeysService,
    private readonly liveSpend: LiveSpendService,
    private readonly views: TeamViews,
    private readonly directory: TeamDirectory,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
    @Optional() private readonly db?: UnitOfWork,
  ) {
    const duration = config.litellm_settings.budget_duration ?? null;
    this.proxyBudget = { max: config.litellm_settings.max_budget ?? null, duration, windowMs: windowOf(duration) };
  }

  /**
   * POST /user/new: the user, its teams' memberships and (unless auto_create_key is false) a key of its own.
   * @throws InvalidTeamRequestError, UserExistsError, UnknownOrganizationError, TeamNotFoundForUpdateError
   */
  async createUser(auth: AuthContext | null, body: NewUserDto): Promise<NewUserResponseDto> {
    validateBudget(body);
    if (isSet(body.spend) && body.spend < 0) throw new InvalidTeamRequestError(`spend must be non-negative. Received: ${body.spend}`, 'spend');
    const userId = body.user_id ?? randomUUID();
    const teamIds = [...new Set([...(body.teams ?? []), ...(isSet(body.team_id) ? [body.team_id] : [])])];
    const passwordHash = isSet(body.password) ? await hashPassword(body.password) : null;
    const saved = await this.views.writes.run(async () => {
      const entity = await this.repository.transaction(async (manager) => {
        await this.views.assertOrganization(manager, body.organization_id);
        await this.repository.insertUser(manager, {
          userId,
          userEmail: body.user_email ?? null,
          userAlias: body.user_alias ?? body.user_name ?? null,
          userRole: body.user_role ?? 'internal_user',
          teams: [],
          maxBudget: body.max_budget ?? null,
          spend: body.spend ?? 0,
          budgetDuration: body.budget_duration ?? null,
          budgetResetAt: windowEnd(body.budget_duration ?? null, new Date()),
          models: body.models ?? [],
          tpmLimit: body.tpm_limit ?? null,
          rpmLimit: body.rpm_limit ?? null,
          metadata: body.metadata ?? {},
          organizationId: body.organization_id ?? null,
          password: passwordHash,
        });
        for (const teamId of teamIds) {
          const team = await this.repository.findTeam(teamId, manager);
          if (!team) throw new TeamNotFoundForUpdateError(teamId);
          if (findMember(team.membersWithRoles, userId, null) < 0) {
            const member: StoredMember = { role: 'user', user_id: userId, user_email: body.user_email ?? null };
            await this.repository.updateTeam(manager, teamId, { membersWithRoles: [...team.membersWithRoles, member] });
          }
          await this.repository.addMembership(manager, teamId, userId);
        }
        const created = (await this.repository.findUser(userId, manager))!;
        await this.views.auditUser('created', null, created);
        return created;
      });
      for (const teamId of teamIds) this.directory.teamChanged(teamId, [entity.userId]);
      this.directory.userChanged(entity.userId);
      await this.liveSpend.reset(SpendSubject.user(entity.userId), entity.spend, entity.budgetResetAt);
      return entity;
    });
    this.announceCreated({ userId: saved.userId, userEmail: saved.userEmail, userRole: saved.userRole, maxBudget: saved.maxBudget, createdBy: auth?.userId ?? null });
    const row = toUserRow(saved, saved.spend, saved.budgetResetAt);
    if (body.auto_create_key === false) return { ...row, key: null };
    const generated = await this.keys.generate(
      adminContext(auth),
      {
        user_id: saved.userId,
        team_id: body.team_id ?? null,
        models: body.models ?? [],
        duration: body.duration ?? null,
        aliases: body.aliases ?? null,
        key_alias: body.key_alias ?? null,
        send_invite_email: body.send_invite_email ?? null,
      } as GenerateKeyDto,
      'user_new',
    );
    return { ...row, key: generated.key, key_name: generated.key_name, key_alias: generated.key_alias, expires: generated.expires, token: generated.token_id };
  }

  /** Calls `listener` after each user `/user/new` creates, once committed; listeners must not throw or wait. */
  onUserCreated(listener: (user: CreatedUser) => void): void {
    this.createdListeners.push(listener);
  }

  private announceCreated(user: CreatedUser): void {
    if (this.createdListeners.length === 0) return;
    const notify = (): void => {
      for (const listener of this.createdListeners) {
        try {
          listener(user);
        } catch (error) {
          this.logger.error(`user_created listener failed: ${error instanceof Error ? error.name : typeof error}`);
        }
      }
    };
    if (this.db) this.db.afterCommit(notify);
    else notify();
  }

  /**
   * GET /user/info?user_id= (the caller's own without one).
   * @throws UserNotFoundError (404)
   */
  async describeUser(auth: AuthContext | null, userId: string | undefined): Promise<UserInfoResponseDto> {
    const id = userId ?? auth?.userId ?? undefined;
    if (!id) throw new InvalidTeamRequestError('user_id is required', 'user_id');
    if (!seesEverything(auth) && id !== auth?.userId) throw new TeamsAccessDeniedError("user not allowed to access this user's info");
    const entity = await this.repository.findUser(id);
    if (!entity && id === PROXY_BUDGET_USER_ID && this.proxyBudget.max !== null) return this.describeProxyBudget();
    if (!entity) throw new UserNotFoundError([id]);
    const memberships = await this.repository.findMemberships({ userId: id });
    const teams = await this.repository.findTeams(entity.teams);
    const keys = await this.keys.list(auth, { user_id: id, return_full_object: true, page: 1, size: 100 } as ListKeysQueryDto);
    return {
      user_id: id,
      user_info: await this.views.userRow(entity),
      // return_full_object: rows, not hashes
      keys: keys.keys as KeyRowDto[],
      teams: await Promise.all(
        teams.map(async (team) => ({
          ...(await this.views.teamRow(team)),
          team_memberships: await this.views.membershipRows(memberships.filter((row) => row.teamId === team.teamId)),
        })),
      ),
    };
  }

  /**
   * POST /user/update {user_id|user_email, …}: only the fields given (non-null) change; `spend` sets the spend.
   * An unknown user_id is created (LiteLLM upserts, e.g. `litellm-proxy-budget`).
   * @throws InvalidTeamRequestError, UserNotFoundError (unknown user_email), UserExistsError
   */
  async updateUser(body: UpdateUserDto): Promise<UserRowDto> {
    validateBudget(body);
    if (isSet(body.spend) && body.spend < 0) throw new InvalidTeamRequestError(`spend must be non-negative. Received: ${body.spend}`, 'spend');
    if (!isSet(body.user_id) && !isSet(body.user_email)) throw new InvalidTeamRequestError('Either user_id or user_email needs to be passed in', 'user_id');
    const passwordHash = isSet(body.password) ? await hashPassword(body.password) : null;
    return this.views.writes.run(async () => {
      const saved = await this.repository.transaction(async (manager) => {
        const existing = isSet(body.user_id) ? await this.repository.findUser(body.user_id, manager) : await this.repository.findUserByEmail(body.user_email!, manager);
        await this.views.assertOrganization(manager, body.organization_id);
        const now = new Date();
        if (!existing) {
          if (!isSet(body.user_id)) throw new UserNotFoundError([body.user_email!], 'user_email');
          await this.repository.insertUser(manager, {
            userId: body.user_id,
            userEmail: body.user_email ?? null,
            userAlias: body.user_alias ?? null,
            userRole: body.user_role ?? 'internal_user',
            teams: [],
            maxBudget: body.max_budget ?? null,
            spend: body.spend ?? 0,
            budgetDuration: body.budget_duration ?? null,
            budgetResetAt: windowEnd(body.budget_duration ?? null, now),
            models: body.models ?? [],
            tpmLimit: body.tpm_limit ?? null,
            rpmLimit: body.rpm_limit ?? null,
            metadata: body.metadata ?? {},
            organizationId: body.organization_id ?? null,
            password: passwordHash,
          });
          const created = (await this.repository.findUser(body.user_id, manager))!;
          await this.views.auditUser('created', null, created);
          return created;
        }
        const changes: UserChanges = {};
        if (isSet(body.user_email)) changes.userEmail = body.user_email;
        if (isSet(body.user_alias)) changes.userAlias = body.user_alias;
        if (isSet(body.user_role)) changes.userRole = body.user_role;
        if (isSet(body.organization_id)) changes.organizationId = body.organization_id;
        if (isSet(body.max_budget)) changes.maxBudget = body.max_budget;
        if (isSet(body.models)) changes.models = body.models;
        if (isSet(body.tpm_limit)) changes.tpmLimit = body.tpm_limit;
        if (isSet(body.rpm_limit)) changes.rpmLimit = body.rpm_limit;
        if (isSet(body.metadata)) changes.metadata = body.metadata;
        if (isSet(body.spend)) changes.spend = body.spend;
        if (isSet(body.budget_duration)) {
          changes.budgetDuration = body.budget_duration;
          changes.budgetResetAt = windowEnd(body.budget_duration, now);
        }
        await this.repository.updateUser(manager, existing.userId, changes);
        // A new password ends the sessions opened with the old one (the directory's change below tells every instance).
        if (passwordHash !== null) await this.repository.setPassword(manager, existing.userId, passwordHash);
        const updated = (await this.repository.findUser(existing.userId, manager))!;
        await this.views.auditUser('updated', existing, updated);
        return updated;
      });
      this.directory.userChanged(saved.userId);
      if (isSet(body.spend) || isSet(body.budget_duration)) {
        const spend = isSet(body.spend) ? saved.spend : (await this.views.userSpend(saved)).spend;
        await this.liveSpend.reset(SpendSubject.user(saved.userId), spend, saved.budgetResetAt);
      }
      return this.views.userRow(saved);
    });
  }

  /**
   * POST /user/delete {user_ids}: all or nothing; their keys are deleted and they leave their teams.
   * @throws UserNotFoundError (404) naming the ids that do not exist.
   */
  async deleteUsers(auth: AuthContext | null, userIds: readonly string[]): Promise<DeleteUsersResponseDto> {
    return this.views.writes.run(async () => {
      const found = await this.repository.findUsers(userIds);
      const known = new Set(found.map((user) => user.userId));
      const missing = userIds.filter((id) => !known.has(id));
      if (missing.length) throw new UserNotFoundError(missing, 'user_ids');
      for (const userId of userIds) {
        const owned = await this.keys.list(auth, { user_id: userId, page: 1, size: 100 } as ListKeysQueryDto);
        const tokens = owned.keys as string[];
        if (tokens.length) await this.keys.delete(adminContext(auth), { keys: tokens });
      }
      const deleted = await this.repository.deleteUsers(userIds);
      const gone = new Set(deleted);
      for (const user of found) if (gone.has(user.userId)) await this.views.auditUser('deleted', user, null);
      this.directory.usersDeleted(deleted);
      for (const user of found) for (const teamId of user.teams) this.directory.teamChanged(teamId);
      return { deleted_users: deleted, message: `Successfully deleted users with ids: ${pythonList(deleted)}` };
    });
  }

  /**
   * The Admin UI login of an internal user, by user_id or user_email: the user id when `password` is theirs, else
   * null. Costs one scrypt derivation whether the user exists, has a password or not, so timing tells nothing.
   */
  async verifyCredentials(login: string, password: string): Promise<string | null> {
    const credentials = await this.repository.findUserCredentials(login);
    if (!credentials?.passwordHash) return verifyAgainstNobody(password).then(() => null);
    return (await verifyPassword(password, credentials.passwordHash)) ? credentials.userId : null;
  }

  /** GET /user/list, oldest first, paginated as LiteLLM's newer API. */
  async listUsers(query: UserListQueryDto): Promise<UserListResponseDto> {
    const page = query.page ?? 1;
    const size = query.page_size ?? 25;
    const userIds = query.user_ids
      ? query.user_ids
          .split(',')
          .map((id) => id.trim())
          .filter(Boolean)
      : undefined;
    const { rows, total } = await this.repository.listUsers({ role: query.role, userIds }, page, size);
    return { users: await this.views.userRows(rows), total, page, page_size: size, total_pages: Math.ceil(total / size) };
  }

  /** `/user/info?user_id=litellm-proxy-budget`: the global proxy budget and its live spend, as LiteLLM reports it. */
  private async describeProxyBudget(): Promise<UserInfoResponseDto> {
    const live = await this.liveSpend.one(SpendSubject.global, this.proxyBudget.windowMs);
    return {
      user_id: PROXY_BUDGET_USER_ID,
      user_info: {
        user_id: PROXY_BUDGET_USER_ID,
        user_email: null,
        user_role: null,
        teams: [],
        max_budget: this.proxyBudget.max,
        spend: live.spend,
        budget_duration: this.proxyBudget.duration,
        budget_reset_at: instant(live.resetAt)?.toISOString() ?? null,
        models: [],
      },
      keys: [],
      teams: [],
    };
  }
}
