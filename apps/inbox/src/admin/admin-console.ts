/**
 * The admin page's automation forms at work: reads what the sections show, and applies each form
 * through the same stores and checks as the API (a refusal comes back as the API's field errors).
 */
import { Injectable } from '@nestjs/common';
import { AssignmentService } from '../assignment/assignment.service';
import { DrfError } from '../http/drf-exception.filter';
import { IdentityService } from '../identity/identity.service';
import { CHAT_ACCESS, ChatAccess, PermissionsService } from '../permissions/permissions';
import { ReceiverGuard } from '../relay/receiver-guard';
import { RuleEngineStore } from '../rule-engine/rule-engine-store';
import { readRule } from '../rule-engine/rule-input';
import { TagsStore } from '../tags/tags-store';
import { GROUPS } from '../users/user.presenter';
import { WabaWebhooksStore } from '../waba-webhooks/waba-webhooks-store';
import { WEBHOOK_EVENTS, readWebhookInput } from '../waba-webhooks/webhook-input';
import { AutomationData } from './admin-pages';

type Form = Record<string, unknown>;
const text = (form: Form, name: string): string => {
  const value = form[name];
  return typeof value === 'string' ? value : '';
};

/** DRF's field errors as sentences a person reads on the page. */
export function errorSentences(error: DrfError): string[] {
  const body = error.getResponse() as Record<string, unknown>;
  return Object.entries(body).flatMap(([field, messages]) =>
    [messages]
      .flat()
      .map((m) =>
        field === 'detail' || field === 'non_field_errors' ? String(m) : `${field}: ${String(m)}`,
      ),
  );
}

@Injectable()
export class AdminConsole {
  constructor(
    private readonly tags: TagsStore,
    private readonly rules: RuleEngineStore,
    private readonly permissions: PermissionsService,
    private readonly webhooks: WabaWebhooksStore,
    private readonly identity: IdentityService,
    private readonly assignments: AssignmentService,
    private readonly receivers: ReceiverGuard,
  ) {}

  async data(): Promise<AutomationData> {
    return {
      tags: (await this.tags.list(1000, 0)).results,
      rules: await this.rules.listRules(),
      engine: await this.rules.settings(),
      groups: (await this.permissions.list()).groups,
      webhooks: (await this.webhooks.list(undefined, 1000, 0)).results,
      users: await this.identity.assignableUsers(),
    };
  }

  async addTag(form: Form): Promise<string> {
    const name = text(form, 'name').trim();
    if (!name || name.length > 1000)
      throw new DrfError(400, { name: ['Give the tag a name (up to 1,000 characters).'] });
    if (!(await this.tags.create(name, null)))
      throw new DrfError(400, { name: ['A tag with this name exists already.'] });
    return `Tag “${name}” added.`;
  }

  async addRule(form: Form): Promise<string> {
    const [kind, id] = text(form, 'target').split(':');
    const rule = await readRule(
      {
        tag: text(form, 'tag') || null,
        assign_to_user: kind === 'user' ? id : null,
        assign_to_group: kind === 'group' ? id : null,
        group_assign_method: kind === 'group' ? text(form, 'group_assign_method') : null,
      },
      {
        tagExists: async (tagId) => !!(await this.tags.find(tagId)),
        assignable: (userId) => this.assignments.assignable(userId),
      },
    );
    await this.rules.createRule(rule);
    return 'Rule added.';
  }

  async deleteRule(id: string): Promise<string> {
    if (!/^\d{1,9}$/.test(id) || !(await this.rules.removeRule(Number(id))))
      throw new DrfError(404, { detail: 'That rule does not exist (any more).' });
    return 'Rule deleted.';
  }

  async customEngine(form: Form): Promise<string> {
    const header = text(form, 'header_name').trim();
    const { url, headers } = readWebhookInput(
      { url: text(form, 'url'), headers: header ? { [header]: text(form, 'header_value') } : undefined },
      this.receivers.get(),
      false,
    );
    await this.rules.saveSettings({ mode: 'custom', url: url!, headers: headers ?? {} });
    return 'The custom rule engine is in use.';
  }

  async defaultEngine(): Promise<string> {
    await this.rules.saveSettings({ mode: 'default', url: null, headers: {} });
    return 'The default rule engine is in use.';
  }

  async setPermissions(groupId: string, form: Form): Promise<string> {
    const group = GROUPS.find((g) => String(g.id) === groupId && g.role !== 'admin');
    if (!group) throw new DrfError(404, { detail: 'That group cannot be changed.' });
    const access = (name: string): ChatAccess => {
      const value = text(form, name);
      if (!CHAT_ACCESS.includes(value as ChatAccess))
        throw new DrfError(400, { [name]: ['Choose one of the options.'] });
      return value as ChatAccess;
    };
    await this.permissions.set(
      { group: group.id },
      {
        can_read_chats: access('can_read_chats'),
        can_write_to_chats: access('can_write_to_chats'),
        can_use_tags: text(form, 'can_use_tags') === 'true',
      },
    );
    return `Permissions of ${group.name} saved.`;
  }

  /** The new webhook's signing secret is returned to be shown once. */
  async addWebhook(form: Form): Promise<{ notice: string; secret: string }> {
    const events = [form.events].flat().filter((e): e is string => typeof e === 'string');
    const input = readWebhookInput(
      {
        url: text(form, 'url'),
        events: events.length ? events : [...WEBHOOK_EVENTS],
        user: text(form, 'user'),
      },
      this.receivers.get(),
      false,
    );
    if (!input.user || !(await this.assignments.assignable(input.user)))
      throw new DrfError(400, { user: ['Choose a user.'] });
    const created = await this.webhooks.create({
      userId: input.user,
      url: input.url!,
      headers: {},
      events: input.events ?? WEBHOOK_EVENTS,
    });
    if (!created)
      throw new DrfError(400, { user: ['This user has a webhook already (one per user): delete it first.'] });
    return { notice: `Webhook for ${created.username} added.`, secret: created.secret };
  }

  async deleteWebhook(id: string): Promise<string> {
    const found = /^\d{1,9}$/.test(id) ? await this.webhooks.find(Number(id)) : undefined;
    if (!found) throw new DrfError(404, { detail: 'That webhook does not exist (any more).' });
    await this.webhooks.remove(found.id);
    return `Webhook of ${found.username} deleted.`;
  }
}
