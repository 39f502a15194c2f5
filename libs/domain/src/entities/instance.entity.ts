import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { InstanceStatus } from '../instance-status';

/** Worker progress, so a retried or re-delivered job resumes where it stopped. */
export interface ProvisioningCheckpoint {
  credentials?: boolean;
  database?: boolean;
  /** ISO time of the first successful deploy: the health deadline counts from here. */
  deployedAt?: string;
  healthy?: boolean;
  webhook?: 'delivered' | 'gave_up';
  email?: 'sent' | 'gave_up';
  [step: string]: boolean | string | undefined;
}

/**
 * One tenant's inbox instance. Secrets are never stored in clear: the plaintexts the control plane
 * must deliver later are encrypted (`*_enc`, wiped once delivered), the rest only as hashes.
 */
@Entity({ name: 'instances' })
export class Instance {
  @PrimaryColumn({ type: 'char', length: 32 }) id: string;
  @Column({ name: 'partner_id', type: 'text' }) partnerId: string;
  @Column({ type: 'text' }) subdomain: string;
  @Column({ name: 'channel_id', type: 'text', nullable: true }) channelId: string | null;
  @Column({ type: 'text' }) status: InstanceStatus;
  @Column({ name: 'status_detail', type: 'text', nullable: true }) statusDetail: string | null;
  /** While ready: since when the health watch has not had an answer (null: healthy). */
  @Column({ name: 'unhealthy_since', type: 'timestamptz', nullable: true }) unhealthySince: Date | null;
  /** How many times its health changed: numbers the instance.unhealthy / instance.recovered events. */
  @Column({ name: 'health_changes', type: 'int', default: 0 }) healthChanges: number;

  @Column({ name: 'admin_email', type: 'text', nullable: true }) adminEmail: string | null;
  @Column({ name: 'admin_username', type: 'text' }) adminUsername: string;
  @Column({ name: 'generate_activation', type: 'boolean' }) generateActivation: boolean;
  @Column({ name: 'max_number_of_seats', type: 'int' }) maxNumberOfSeats: number;

  @Column({ name: 'configurator_user_name', type: 'text', nullable: true }) configuratorUserName:
    string | null;
  @Column({ name: 'configurator_webhook_url', type: 'text', nullable: true }) configuratorWebhookUrl:
    string | null;
  /** Partner-supplied headers (often credentials): encrypted JSON. */
  @Column({ name: 'configurator_webhook_headers_enc', type: 'text', nullable: true })
  configuratorWebhookHeadersEnc: string | null;

  /** The WhatsApp channel key: given (d360_api_key) or obtained by the worker. */
  @Column({ name: 'waba_api_key_enc', type: 'text', nullable: true }) wabaApiKeyEnc: string | null;
  @Column({ name: 'configurator_token_enc', type: 'text', nullable: true }) configuratorTokenEnc:
    string | null;
  @Column({ name: 'configurator_token_sha256', type: 'char', length: 64, nullable: true })
  configuratorTokenSha256: string | null;
  @Column({ name: 'activation_code_enc', type: 'text', nullable: true }) activationCodeEnc: string | null;
  @Column({ name: 'activation_code_sha256', type: 'char', length: 64, nullable: true }) activationCodeSha256:
    string | null;

  /** Made by the worker, needed again on every redeploy; wiped at teardown. */
  @Column({ name: 'database_password_enc', type: 'text', nullable: true }) databasePasswordEnc: string | null;
  @Column({ name: 'secret_key_enc', type: 'text', nullable: true }) secretKeyEnc: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" }) checkpoint: ProvisioningCheckpoint;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
