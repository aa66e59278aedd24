import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { bigintAsNumber } from '../database/column-transformers';

/** LiteLLM's `LiteLLM_BudgetTable`: a budget and limits that end users (later keys, teams, members) share. */
@Entity({ name: 'tollgate_budgets' })
export class BudgetEntity {
  @PrimaryColumn({ name: 'budget_id', type: 'text' })
  budgetId!: string;

  @Column({ name: 'max_budget', type: 'double precision', nullable: true })
  maxBudget!: number | null;

  @Column({ name: 'soft_budget', type: 'double precision', nullable: true })
  softBudget!: number | null;

  @Column({ name: 'max_parallel_requests', type: 'integer', nullable: true })
  maxParallelRequests!: number | null;

  @Column({ name: 'tpm_limit', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  tpmLimit!: number | null;

  @Column({ name: 'rpm_limit', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  rpmLimit!: number | null;

  @Column({ name: 'model_max_budget', type: 'jsonb', nullable: true })
  modelMaxBudget!: Record<string, unknown> | null;

  @Column({ name: 'budget_duration', type: 'text', nullable: true })
  budgetDuration!: string | null;

  @Column({ name: 'budget_reset_at', type: 'timestamptz', nullable: true })
  budgetResetAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'created_by', type: 'text', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'updated_by', type: 'text', nullable: true })
  updatedBy!: string | null;
}
