import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One entry of an instance's timeline: a status change or a noteworthy step (never a secret). */
@Entity({ name: 'instance_events' })
export class InstanceEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'instance_id', type: 'char', length: 32 }) instanceId: string;
  /** e.g. `status.accepted`, `status.ready`, `webhook.attempt` */
  @Column({ type: 'text' }) type: string;
  @Column({ type: 'text', nullable: true }) message: string | null;
  @Column({ type: 'jsonb', nullable: true }) data: Record<string, unknown> | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
