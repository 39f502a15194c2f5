import { EntityManager } from 'typeorm';
import { Instance } from '@app/domain';
import { JOBS, JobName } from '@app/queue';

/**
 * Everything "accepting an instance" writes, as ONE statement (one round trip, atomic):
 * take a quota slot, insert the instance, its first event and its provisioning job (outbox), and
 * complete the idempotency record. No quota slot → nothing is inserted and no row comes back.
 * A unique violation (subdomain, channel) aborts the whole statement, quota slot included.
 */
const ACCEPT_INSTANCE = `
WITH slot AS (
  UPDATE partners SET live_instances = live_instances + 1
   WHERE id = $2 AND live_instances < instance_quota
  RETURNING id
), inserted AS (
  INSERT INTO instances (
    id, partner_id, subdomain, channel_id, status, status_detail, admin_email, admin_username,
    generate_activation, max_number_of_seats, configurator_user_name, configurator_webhook_url,
    configurator_webhook_headers_enc, waba_api_key_enc, configurator_token_enc, configurator_token_sha256,
    activation_code_enc, activation_code_sha256, created_at, updated_at)
  SELECT $1, slot.id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19 FROM slot
  RETURNING id
), event AS (
  INSERT INTO instance_events (instance_id, type, message, created_at)
  SELECT id, 'status.accepted', 'Instance accepted', $19 FROM inserted
), job AS (
  INSERT INTO outbox (queue, job_name, job_id, payload)
  SELECT $20, $24, $21, json_build_object('instanceId', id) FROM inserted
), idempotency AS (
  UPDATE idempotency_records SET state = 'completed', response_status = 201, response_body_enc = $23
   WHERE partner_id = $2 AND key = $22 AND EXISTS (SELECT 1 FROM inserted)
)
SELECT id FROM inserted`;

export interface IdempotentAnswer {
  key: string;
  bodyEnc: string;
}

/** Returns false when the partner's quota is exhausted (nothing was written). Used by InstanceLifecycle.accept. */
export async function acceptInstance(
  manager: EntityManager,
  i: Instance,
  answer: IdempotentAnswer | null,
): Promise<boolean> {
  const jobName: JobName = 'instance.provision';
  const job = JOBS[jobName];
  const rows = await manager.query<{ id: string }[]>(ACCEPT_INSTANCE, [
    i.id,
    i.partnerId,
    i.subdomain,
    i.channelId,
    i.status,
    i.statusDetail,
    i.adminEmail,
    i.adminUsername,
    i.generateActivation,
    i.maxNumberOfSeats,
    i.configuratorUserName,
    i.configuratorWebhookUrl,
    i.configuratorWebhookHeadersEnc,
    i.wabaApiKeyEnc,
    i.configuratorTokenEnc,
    i.configuratorTokenSha256,
    i.activationCodeEnc,
    i.activationCodeSha256,
    i.createdAt,
    job.queue,
    job.jobId({ instanceId: i.id }),
    answer?.key ?? null,
    answer?.bodyEnc ?? null,
    jobName,
  ]);
  return rows.length === 1;
}
