import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { bigintAsNumber } from '../database/column-transformers';

/** LiteLLM's `LiteLLM_VerificationToken`. Only the sha256 of a key is ever stored. */
@Entity({ name: 'tollgate_virtual_keys' })
export class VirtualKeyEntity {
  @PrimaryColumn({ type: 'text' })
  token!: string;

  /** Stable across rotations (the token changes); limits and counters are keyed by it. */
  @Column({ name: 'key_id', type: 'uuid', insert: false, update: false })
  keyId!: string;

  @Column({ name: 'key_name', type: 'text' })
  keyName!: string;

  @Column({ name: 'key_alias', type: 'text', nullable: true })
  keyAlias!: string | null;

  @Column({ name: 'user_id', type: 'text', nullable: true })
  userId!: string | null;

  @Column({ name: 'team_id', type: 'text', nullable: true })
  teamId!: string | null;

  @Column({ type: 'text', array: true })
  models!: string[];

  @Column({ type: 'jsonb' })
  aliases!: Record<string, unknown>;

  @Column({ type: 'jsonb' })
  config!: Record<string, unknown>;

  @Column({ type: 'double precision' })
  spend!: number;

  @Column({ name: 'max_budget', type: 'double precision', nullable: true })
  maxBudget!: number | null;

  @Column({ name: 'soft_budget', type: 'double precision', nullable: true })
  softBudget!: number | null;

  @Column({ name: 'budget_duration', type: 'text', nullable: true })
  budgetDuration!: string | null;

  @Column({ name: 'budget_reset_at', type: 'timestamptz', nullable: true })
  budgetResetAt!: Date | null;

  @Column({ name: 'tpm_limit', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  tpmLimit!: number | null;

  @Column({ name: 'rpm_limit', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  rpmLimit!: number | null;

  @Column({ name: 'max_parallel_requests', type: 'integer', nullable: true })
  maxParallelRequests!: number | null;

  @Column({ name: 'model_max_budget', type: 'jsonb' })
  modelMaxBudget!: Record<string, unknown>;

  @Column({ name: 'model_spend', type: 'jsonb' })
  modelSpend!: Record<string, unknown>;

  /** Also holds model_rpm_limit, model_tpm_limit, guardrails, tags and enforced_params, as LiteLLM keeps them. */
  @Column({ type: 'jsonb' })
  metadata!: Record<string, unknown>;

  @Column({ type: 'jsonb' })
  permissions!: Record<string, unknown>;

  @Column({ name: 'allowed_cache_controls', type: 'text', array: true })
  allowedCacheControls!: string[];

  @Column({ name: 'allowed_routes', type: 'text', array: true })
  allowedRoutes!: string[];

  @Column({ type: 'boolean' })
  blocked!: boolean;

  @Column({ type: 'timestamptz', nullable: true })
  expires!: Date | null;

  @Column({ name: 'budget_id', type: 'text', nullable: true })
  budgetId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'created_by', type: 'text', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'updated_by', type: 'text', nullable: true })
  updatedBy!: string | null;
}

/** A rotated-out key hash that keeps resolving to its successor until `revoke_at` (rotation grace period). */
@Entity({ name: 'tollgate_deprecated_virtual_keys' })
export class DeprecatedVirtualKeyEntity {
  @PrimaryColumn({ type: 'text' })
  token!: string;

  @Column({ name: 'active_token', type: 'text' })
  activeToken!: string;

  @Column({ name: 'revoke_at', type: 'timestamptz' })
  revokeAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
