import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A job written in the same transaction as the change that needs it, handed to BullMQ by the
 * outbox relay and then deleted (docs/queues.md). This is what makes "no instance without its job" hold.
 */
@Entity({ name: 'outbox' })
export class OutboxMessage {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ type: 'text' }) queue: string;
  @Column({ name: 'job_name', type: 'text' }) jobName: string;
  /** Fixed per purpose (e.g. `provision-<instance id>`): BullMQ collapses duplicates. */
  @Column({ name: 'job_id', type: 'text' }) jobId: string;
  @Column({ type: 'jsonb' }) payload: Record<string, unknown>;
  @Column({ type: 'int', default: 0 }) attempts: number;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
