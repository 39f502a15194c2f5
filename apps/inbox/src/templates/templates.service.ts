import { Injectable, Logger } from '@nestjs/common';
import { DrfError } from '../http/drf-exception.filter';
import { providerFailure } from '../provider/provider-errors';
import {
  Dialog360Client,
  ProviderRefused,
  ProviderTemplate,
  ProviderUnavailable,
} from '../provider/waba-client';
import { TemplatesStore } from './templates-store';

/** Templates are fetched again after this long (or at once with `?refresh=true`). */
export const TEMPLATES_TTL_SECONDS = 600;
const CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'];
const SEED_CATEGORIES = [
  'ACCOUNT_UPDATE',
  'PAYMENT_UPDATE',
  'PERSONAL_FINANCE_UPDATE',
  'SHIPPING_UPDATE',
  'RESERVATION_UPDATE',
  'ISSUE_RESOLUTION',
  'APPOINTMENT_UPDATE',
  'TRANSPORTATION_UPDATE',
  'TICKET_UPDATE',
  'ALERT_UPDATE',
  'AUTO_REPLY',
];

/** Seed 002's Template: the fields it lists, whatever else the provider says. */
export function presentTemplate(t: ProviderTemplate) {
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    name: t.name,
    category: text(t.category),
    language: t.language,
    components: Array.isArray(t.components) ? t.components : [],
    namespace: text(t.namespace),
    rejected_reason: text(t.rejected_reason),
    status: text(t.status),
  };
}

@Injectable()
export class TemplatesService {
  private readonly logger = new Logger('Templates');

  constructor(
    private readonly store: TemplatesStore,
    private readonly client: Dialog360Client,
  ) {}

  /** The cached list, fetched when missing, older than the TTL or `refresh`; stale beats nothing. */
  async list(refresh: boolean): Promise<ProviderTemplate[]> {
    const cached = await this.store.cached();
    if (cached && !refresh && cached.ageSeconds < TEMPLATES_TTL_SECONDS) return cached.templates;
    try {
      const fresh = await this.client.templates();
      await this.store.replace(fresh);
      return fresh;
    } catch (error) {
      if (!(error instanceof ProviderUnavailable || error instanceof ProviderRefused)) throw error;
      if (cached) {
        this.logger.warn(
          `templates served from a ${Math.round(cached.ageSeconds)} s old cache: ${error.message}`,
        );
        return cached.templates;
      }
      throw providerFailure(error, 'WhatsApp refused the request.');
    }
  }

  async create(body: Record<string, unknown>) {
    const errors: Record<string, string[]> = {};
    const { name, category, language, components } = body;
    if (typeof name !== 'string' || !/^[a-z0-9_]{1,512}$/.test(name))
      errors.name = ['Lowercase letters, digits and underscores (WhatsApp template names).'];
    if (typeof category !== 'string' || ![...CATEGORIES, ...SEED_CATEGORIES].includes(category.toUpperCase()))
      errors.category = [`One of ${[...CATEGORIES, ...SEED_CATEGORIES].join(', ')}.`];
    if (typeof language !== 'string' || !/^[a-z]{2,3}(_[A-Z]{2})?$/.test(language))
      errors.language = ['A WhatsApp language code, e.g. en or en_US.'];
    if (
      !Array.isArray(components) ||
      components.length === 0 ||
      components.length > 10 ||
      !components.every((c) => typeof c === 'object' && c !== null && !Array.isArray(c))
    )
      errors.components = ['A list of 1-10 component objects, as WhatsApp defines them.'];
    if (Object.keys(errors).length) throw new DrfError(400, errors);
    let created: unknown;
    try {
      created = await this.client.createTemplate({
        name,
        category: (category as string).toUpperCase(),
        language,
        components,
      });
    } catch (error) {
      throw providerFailure(error, 'WhatsApp refused the request.');
    }
    await this.store.forget();
    return {
      ...presentTemplate({
        components,
        ...(created as object),
        name,
        language,
        category,
      } as ProviderTemplate),
    };
  }

  async remove(name: string): Promise<void> {
    if (!/^[a-z0-9_]{1,512}$/.test(name)) throw new DrfError(404, 'Not found.');
    try {
      await this.client.deleteTemplate(name);
    } catch (error) {
      if (error instanceof ProviderRefused && error.status === 404) throw new DrfError(404, 'Not found.');
      throw providerFailure(error, 'WhatsApp refused the request.');
    }
    await this.store.forget();
  }
}
