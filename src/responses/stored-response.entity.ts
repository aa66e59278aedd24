import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One stored response of the Responses API (`tollgate_responses`), owned by the key that created it. */
@Entity({ name: 'tollgate_responses' })
export class StoredResponseEntity {
  /** Tollgate's id (`resp_…`), the one the client was given. */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  /** Who may read, delete or continue it: `key:<key id>`, `hash:<sha256 of the key>` (master key), or `open`. */
  @Column({ type: 'text' })
  owner!: string;

  @Column({ type: 'text' })
  model!: string;

  @Column({ name: 'deployment_id', type: 'text', nullable: true })
  deploymentId!: string | null;

  @Column({ name: 'previous_response_id', type: 'text', nullable: true })
  previousResponseId!: string | null;

  /** The request's own input as items (a string input is one user message; item references resolved). */
  @Column({ name: 'input_items', type: 'json' })
  inputItems!: Record<string, unknown>[];

  /** The Response object as the client got it. */
  @Column({ type: 'json' })
  response!: Record<string, unknown>;

  @Column({ name: 'item_ids', type: 'text', array: true })
  itemIds!: string[];

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
