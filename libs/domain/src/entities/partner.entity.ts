import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A partner (reseller, agency, SaaS) and its limits. */
@Entity({ name: 'partners' })
export class Partner {
  @PrimaryColumn({ type: 'text' }) id: string;

  /** How many instances may count against the quota at once (see countsAgainstQuota). */
  @Column({ name: 'instance_quota', type: 'int' }) instanceQuota: number;

  /** Upper bound for an instance's max_number_of_seats. */
  @Column({ name: 'max_seats', type: 'int' }) maxSeats: number;

  /** Kept in step with the instances table in the same transactions; enforces the quota without a table scan. */
  @Column({ name: 'live_instances', type: 'int', default: 0 }) liveInstances: number;

  /** Standard Webhooks secret (`whsec_...`), encrypted with SecretBox: we sign with it later. */
  @Column({ name: 'signing_secret_enc', type: 'text' }) signingSecretEnc: string;

  /** Where asynchronous partner events (instance.ready, ...) are sent, if anywhere. */
  @Column({ name: 'event_url', type: 'text', nullable: true }) eventUrl: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
