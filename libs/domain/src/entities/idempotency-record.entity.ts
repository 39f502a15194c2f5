import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** The first answer to an `Idempotency-Key`, replayed for 24 hours (Stripe's semantics). */
@Entity({ name: 'idempotency_records' })
export class IdempotencyRecord {
  @PrimaryColumn({ name: 'partner_id', type: 'text' }) partnerId: string;
  @PrimaryColumn({ type: 'text' }) key: string;
  @Column({ name: 'request_sha256', type: 'char', length: 64 }) requestSha256: string;
  @Column({ type: 'text' }) state: 'in_progress' | 'completed';
  @Column({ name: 'response_status', type: 'int', nullable: true }) responseStatus: number | null;
  /** The response may carry an activation URL: encrypted. */
  @Column({ name: 'response_body_enc', type: 'text', nullable: true }) responseBodyEnc: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
