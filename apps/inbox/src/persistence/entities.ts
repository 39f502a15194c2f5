import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export const ROLES = ['admin', 'user', 'app'] as const;
export type Role = (typeof ROLES)[number];
/** Roles that take one of MAX_NUMBER_OF_SEATS when active; app users and the configurator take none. */
export const SEAT_ROLES: readonly Role[] = ['admin', 'user'];

@Entity({ name: 'users' })
export class InboxUser {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'text', unique: true }) username: string;
  @Column({ type: 'text', default: '' }) email: string;
  @Column({ name: 'first_name', type: 'text', default: '' }) firstName: string;
  @Column({ name: 'last_name', type: 'text', default: '' }) lastName: string;
  @Column({ type: 'text' }) role: Role;
  /** A service account: admin rights on the API except messaging, never a web session. */
  @Column({ name: 'is_configurator', type: 'boolean', default: false }) isConfigurator: boolean;
  @Column({ name: 'is_active', type: 'boolean', default: false }) isActive: boolean;
  @Column({ name: 'password_hash', type: 'text', nullable: true }) passwordHash: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

/** A user's API token (DRF's one token per user): looked up by hash, kept encrypted to answer it again. */
@Entity({ name: 'auth_tokens' })
export class AuthToken {
  @PrimaryColumn({ name: 'user_id', type: 'int' }) userId: number;
  @Column({ name: 'key_sha256', type: 'char', length: 64, unique: true }) keySha256: string;
  /** null for a token whose plaintext this instance never saw (the configurator's). */
  @Column({ name: 'key_enc', type: 'text', nullable: true }) keyEnc: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

@Entity({ name: 'activation_codes' })
export class ActivationCode {
  @PrimaryColumn({ name: 'code_sha256', type: 'char', length: 64 }) codeSha256: string;
  @Column({ name: 'user_id', type: 'int' }) userId: number;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
  @Column({ name: 'used_at', type: 'timestamptz', nullable: true }) usedAt: Date | null;
}

@Entity({ name: 'sessions' })
export class WebSession {
  @PrimaryColumn({ name: 'id_sha256', type: 'char', length: 64 }) idSha256: string;
  @Column({ name: 'user_id', type: 'int' }) userId: number;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
}

export const INBOX_ENTITIES = [InboxUser, AuthToken, ActivationCode, WebSession];
