import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One row per start of a gateway instance: who ran, which version, when. */
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
}
