import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { BudgetEntity } from './budget.entity';

/** LiteLLM's `LiteLLM_EndUserTable`: a customer of the proxy, named by the `user` field of LLM requests. */
@Entity({ name: 'tollgate_end_users' })
export class EndUserEntity {
  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId!: string;

  @Column({ type: 'text', nullable: true })
  alias!: string | null;

  @Column({ type: 'double precision' })
  spend!: number;

  @Column({ name: 'allowed_model_region', type: 'text', nullable: true })
  allowedModelRegion!: string | null;

  @Column({ name: 'default_model', type: 'text', nullable: true })
  defaultModel!: string | null;

  @Column({ name: 'budget_id', type: 'text', nullable: true })
  budgetId!: string | null;

  @Column({ type: 'boolean' })
  blocked!: boolean;

  @Column({ name: 'budget_reset_at', type: 'timestamptz', nullable: true })
  budgetResetAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** The row's budget, joined by the repository (not a column). */
  budget?: BudgetEntity | null;
}
