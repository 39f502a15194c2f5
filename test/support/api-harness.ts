import request from 'supertest';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { loadConfig } from '@app/config';
import { SecretBox, resolveSecretsKey } from '@app/common';
import { PartnerAdminService, PartnerLimits } from '@app/domain';
import { createPartnerApi } from '../../apps/partner-api/src/bootstrap';

export interface TestPartner {
  partnerId: string;
  apiKey: string;
  signingSecret: string;
  auth: { Authorization: string };
}

let counter = 0;
/** Unique per call and per run, so tests never collide on ids, subdomains or channels. */
export const unique = (prefix = 'x'): string =>
  `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Boots the real Partner API on a random port, with the environment given on top of the test one. */
export async function startApi(
  env: Record<string, string> = {},
): Promise<{ app: NestFastifyApplication; url: string; close: () => Promise<void> }> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const app = await createPartnerApi();
    await app.listen(0, '127.0.0.1');
    const url = await app.getUrl();
    return { app, url: url.replace('[::1]', '127.0.0.1'), close: () => app.close() };
  } finally {
    process.env = saved;
  }
}

/** Partner administration as the CLI does it; test partners default to generous limits. */
export const partnerAdmin = (dataSource: DataSource): PartnerAdminService =>
  new PartnerAdminService(dataSource, new SecretBox(resolveSecretsKey(loadConfig())), {
    instanceQuota: 1000,
    maxSeats: 50,
  });

export async function createTestPartner(
  dataSource: DataSource,
  limits: PartnerLimits = {},
): Promise<TestPartner> {
  const created = await partnerAdmin(dataSource).createPartner(unique('p'), limits);
  return {
    partnerId: created.partner_id,
    apiKey: created.api_key,
    signingSecret: created.signing_secret,
    auth: { Authorization: `Bearer ${created.api_key}` },
  };
}

/** Channel ids are at most 10 alphanumerics. */
export const uniqueChannel = (): string =>
  `c${Math.random().toString(36).slice(2, 11)}`.replace(/[^a-z0-9]/g, '').slice(0, 10);

/** Creates `count` instances (each on a fresh channel) through the API and returns their ids. */
export async function createInstances(
  app: NestFastifyApplication,
  partner: TestPartner,
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await request(app.getHttpServer())
      .post('/v1/instances')
      .set(partner.auth)
      .send({ channel_id: uniqueChannel() });
    if (res.status !== 201) throw new Error(`creating a test instance answered ${res.status}: ${res.text}`);
    ids.push((res.body as { id: string }).id);
  }
  return ids;
}
