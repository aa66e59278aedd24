import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { bigintAsNumber } from '../database/column-transformers';

/** A stored `members_with_roles` entry, in LiteLLM's JSON shape. */
export interface StoredMember {
  role: 'admin' | 'user';
  user_id: string | null;
  user_email: string | null;
}

/** LiteLLM's `LiteLLM_OrganizationTable`. */
@Entity({ name: 'tollgate_organizations' })
export class OrganizationEntity {
  @PrimaryColumn({ name: 'organization_id', type: 'text' }) organizationId!: string;
  @Column({ name: 'organization_alias', type: 'text', nullable: true }) organizationAlias!: string | null;
  @Column({ type: 'text', array: true }) models!: string[];
  @Column({ name: 'max_budget', type: 'double precision', nullable: true }) maxBudget!: number | null;
  @Column({ type: 'double precision' }) spend!: number;
  @Column({ name: 'budget_id', type: 'text', nullable: true }) budgetId!: string | null;
  @Column({ name: 'budget_reset_at', type: 'timestamptz', nullable: true }) budgetResetAt!: Date | null;
  @Column({ name: 'tpm_limit', type: 'bigint', nullable: true, transformer: bigintAsNumber }) tpmLimit!: number | null;
  @Column({ name: 'rpm_limit', type: 'bigint', nullable: true, transformer: bigintAsNumber }) rpmLimit!: number | null;
  @Column({ type: 'jsonb' }) metadata!: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'created_by', type: 'text', nullable: true }) createdBy!: string | null;
}

/** LiteLLM's `LiteLLM_OrganizationMembership` (without spend and budget). */
@Entity({ name: 'tollgate_organization_members' })
export class OrganizationMemberEntity {
  @PrimaryColumn({ name: 'organization_id', type: 'text' }) organizationId!: string;
  @PrimaryColumn({ name: 'user_id', type: 'text' }) userId!: string;
  @Column({ name: 'user_role', type: 'text' }) userRole!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

/** LiteLLM's `LiteLLM_UserTable`: an internal user of the proxy. */
@Entity({ name: 'tollgate_users' })
export class UserEntity {
  @PrimaryColumn({ name: 'user_id', type: 'text' }) userId!: string;
  @Column({ name: 'user_email', type: 'text', nullable: true }) userEmail!: string | null;
  @Column({ name: 'user_alias', type: 'text', nullable: true }) userAlias!: string | null;
  @Column({ name: 'user_role', type: 'text' }) userRole!: string;
  @Column({ type: 'text', array: true }) teams!: string[];
  @Column({ name: 'max_budget', type: 'double precision', nullable: true }) maxBudget!: number | null;
  @Column({ type: 'double precision' }) spend!: number;
  @Column({ name: 'budget_duration', type: 'text', nullable: true }) budgetDuration!: string | null;
  @Column({ name: 'budget_reset_at', type: 'timestamptz', nullable: true }) budgetResetAt!: Date | null;
  @Column({ type: 'text', array: true }) models!: string[];
  @Column({ name: 'tpm_limit', type: 'bigint', nullable: true, transformer: bigintAsNumber }) tpmLimit!: number | null;
  @Column({ name: 'rpm_limit', type: 'bigint', nullable: true, transformer: bigintAsNumber }) rpmLimit!: number | null;
  @Column({ type: 'jsonb' }) metadata!: Record<string, unknown>;
  @Column({ name: 'organization_id', type: 'text', nullable: true }) organizationId!: string | null;
  /**
   * The Admin UI login password, scrypt-hashed (src/teams/password.ts). Never selected unless asked for by name
   * (`findUserCredentials`), so no row, response or audit entry built from an entity can carry it.
   */
  @Column({ type: 'text', nullable: true, select: false }) password?: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/** LiteLLM's `LiteLLM_TeamTable`. */
@Entity({ name: 'tollgate_teams' })
export class TeamEntity {
  @PrimaryColumn({ name: 'team_id', type: 'text' }) teamId!: string;
  @Column({ name: 'team_alias', type: 'text', nullable: true }) teamAlias!: string | null;
  @Column({ name: 'organization_id', type: 'text', nullable: true }) organizationId!: string | null;
  @Column({ name: 'members_with_roles', type: 'jsonb' }) membersWithRoles!: StoredMember[];
  /** LiteLLM's deprecated `members`: the user ids given as `members` to `/team/new`, never grown by member_add. */
  @Column({ type: 'text', array: true }) members!: string[];
  @Column({ type: 'text', array: true }) models!: string[];
  @Column({ name: 'max_budget', type: 'double precision', nullable: true }) maxBudget!: number | null;
  @Column({ type: 'double precision' }) spend!: number;
  @Column({ name: 'budget_duration', type: 'text', nullable: true }) budgetDuration!: string | null;
  @Column({ name: 'budget_reset_at', type: 'timestamptz', nullable: true }) budgetResetAt!: Date | null;
  @Column({ name: 'tpm_limit', type: 'bigint', nullable: true, transformer: bigintAsNumber }) tpmLimit!: number | null;
  @Column({ name: 'rpm_limit', type: 'bigint', nullable: true, transformer: bigintAsNumber }) rpmLimit!: number | null;
  @Column({ name: 'max_parallel_requests', type: 'integer', nullable: true }) maxParallelRequests!: number | null;
  @Column({ name: 'model_aliases', type: 'jsonb' }) modelAliases!: Record<string, string>;
  @Column({ type: 'jsonb' }) metadata!: Record<string, unknown>;
  @Column({ type: 'boolean' }) blocked!: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/** LiteLLM's `LiteLLM_TeamMembership`; `maxBudget` is joined from the member's budget row (not a column). */
@Entity({ name: 'tollgate_team_memberships' })
export class TeamMembershipEntity {
  @PrimaryColumn({ name: 'team_id', type: 'text' }) teamId!: string;
  @PrimaryColumn({ name: 'user_id', type: 'text' }) userId!: string;
  @Column({ type: 'double precision' }) spend!: number;
  @Column({ name: 'budget_id', type: 'text', nullable: true }) budgetId!: string | null;
}
