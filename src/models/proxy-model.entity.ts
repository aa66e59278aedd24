import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** LiteLLM's `LiteLLM_ProxyModelTable`: a deployment added through `/model/new`. Credentials are encrypted. */
@Entity({ name: 'tollgate_proxy_models' })
export class ProxyModelEntity {
  @PrimaryColumn({ name: 'model_id', type: 'text' })
  modelId!: string;

  @Column({ name: 'model_name', type: 'text' })
  modelName!: string;

  @Column({ name: 'litellm_params', type: 'jsonb' })
  litellmParams!: Record<string, unknown>;

  @Column({ name: 'model_info', type: 'jsonb' })
  modelInfo!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'created_by', type: 'text', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'updated_by', type: 'text', nullable: true })
  updatedBy!: string | null;
}
