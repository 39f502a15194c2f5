import { MigrationInterface, QueryRunner } from 'typeorm';

/** Partners, API keys, instances and their timeline, idempotency records and the job outbox. */
export class InitialSchema1763780000000 implements MigrationInterface {
  name = 'InitialSchema1763780000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE partners (
        id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
        instance_quota int NOT NULL CHECK (instance_quota >= 0),
        max_seats int NOT NULL CHECK (max_seats >= 1),
        live_instances int NOT NULL DEFAULT 0 CHECK (live_instances >= 0),
        signing_secret_enc text NOT NULL,
        event_url text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        partner_id text NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
        prefix text NOT NULL,
        key_sha256 char(64) NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX api_keys_partner_idx ON api_keys (partner_id)`);
    await q.query(`
      CREATE TABLE instances (
        id char(32) PRIMARY KEY CHECK (id ~ '^[0-9a-f]{32}$'),
        partner_id text NOT NULL REFERENCES partners(id),
        subdomain text NOT NULL,
        channel_id text,
        status text NOT NULL CHECK (status IN ('accepted','provisioning','starting','ready','failed','deleting','deleted')),
        status_detail text,
        admin_email text,
        admin_username text NOT NULL,
        generate_activation boolean NOT NULL,
        max_number_of_seats int NOT NULL,
        configurator_user_name text,
        configurator_webhook_url text,
        configurator_webhook_headers_enc text,
        waba_api_key_enc text,
        configurator_token_enc text,
        configurator_token_sha256 char(64),
        activation_code_enc text,
        activation_code_sha256 char(64),
        checkpoint jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // A subdomain and a channel belong to at most one instance until its teardown has finished.
    await q.query(
      `CREATE UNIQUE INDEX instances_live_subdomain_uq ON instances (subdomain) WHERE status <> 'deleted'`,
    );
    await q.query(
      `CREATE UNIQUE INDEX instances_live_channel_uq ON instances (channel_id) WHERE status <> 'deleted' AND channel_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX instances_partner_created_idx ON instances (partner_id, created_at DESC, id DESC)`,
    );
    await q.query(`
      CREATE TABLE instance_events (
        id bigserial PRIMARY KEY,
        instance_id char(32) NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        type text NOT NULL,
        message text,
        data jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX instance_events_instance_idx ON instance_events (instance_id, id)`);
    await q.query(`
      CREATE TABLE idempotency_records (
        partner_id text NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
        key text NOT NULL,
        request_sha256 char(64) NOT NULL,
        state text NOT NULL CHECK (state IN ('in_progress','completed')),
        response_status int,
        response_body_enc text,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (partner_id, key)
      )`);
    await q.query(`CREATE INDEX idempotency_records_created_idx ON idempotency_records (created_at)`);
    await q.query(`
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        queue text NOT NULL,
        job_name text NOT NULL,
        job_id text NOT NULL,
        payload jsonb NOT NULL,
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'outbox',
      'idempotency_records',
      'instance_events',
      'instances',
      'api_keys',
      'partners',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
