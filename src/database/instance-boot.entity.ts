import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One row per start of a gateway instance: who ran, which version, when, whether it still runs, what it counts in. */
@Entity({ name: 'tollgate_instance_boots' })
export class InstanceBoot {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column({ name: 'instance_id', type: 'uuid' })
  instanceId!: string;

  @Column({ type: 'text' })
  version!: string;

  @Column({ type: 'text' })
  hostname!: string;

  @CreateDateColumn({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  /** Moved forward by the instance while it runs (InstancePresence). */
  @Column({ name: 'last_seen_at', type: 'timestamptz', default: () => 'now()' })
  lastSeenAt!: Date;

  /** `memory` (limits counted by this instance alone) or `redis`. */
  @Column({ name: 'shared_store', type: 'text', default: 'memory' })
  sharedStore!: string;
}
