import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type LlmObjectKind = 'file' | 'batch';

/** A provider-side object (an uploaded file, a batch) and the caller that created it through Tollgate. */
@Entity({ name: 'tollgate_llm_object_owners' })
export class LlmObjectOwnerEntity {
  @PrimaryColumn({ name: 'kind', type: 'text' })
  kind!: LlmObjectKind;

  @PrimaryColumn({ name: 'object_id', type: 'text' })
  objectId!: string;

  /** `key:<id>` (stable across rotations), `hash:<sha256>` for the master key, `open` without a master key. */
  @Column({ name: 'owner', type: 'text' })
  owner!: string;

  @Column({ name: 'key_id', type: 'text', nullable: true })
  keyId!: string | null;

  @Column({ name: 'team_id', type: 'text', nullable: true })
  teamId!: string | null;

  /** The model group whose deployment holds the object: later requests on it go there. */
  @Column({ name: 'model', type: 'text' })
  model!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'charged_at', type: 'timestamptz', nullable: true })
  chargedAt!: Date | null;
}
