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

export async function createTestPartner(
  dataSource: DataSource,
  limits: PartnerLimits = {},
): Promise<TestPartner> {
  const config = loadConfig();
  const admin = new PartnerAdminService(dataSource, new SecretBox(resolveSecretsKey(config)), {
    instanceQuota: 1000,
    maxSeats: 50,
  });
  const created = await admin.createPartner(unique('p'), limits);
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
