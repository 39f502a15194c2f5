import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A partner's API key. Only its SHA-256 hash is stored, with a short prefix to tell keys apart. */
@Entity({ name: 'api_keys' })
export class ApiKey {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'partner_id', type: 'text' }) partnerId: string;
  @Column({ type: 'text' }) prefix: string;
  @Column({ name: 'key_sha256', type: 'char', length: 64, unique: true }) keySha256: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt: Date | null;
}
