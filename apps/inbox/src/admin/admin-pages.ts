/**
 * The admin page's automation sections: plain HTML forms (each with its CSRF field) for what the
 * API also offers: tags, the default rule engine's rules, the custom engine, permissions per group
 * and per-user webhooks. Worded for a tenant admin who writes no code.
 */
import { escapeHtml as h } from '@app/common/html/escape-html';
import type { InboxUser } from '../persistence/entities';
import type { PermissionSetting } from '../permissions/permissions';
import type { EngineSettings, Rule } from '../rule-engine/rule-engine-store';
import type { Tag } from '../tags/tags-store';
import { GROUPS } from '../users/user.presenter';
import type { WabaWebhook } from '../waba-webhooks/waba-webhooks-store';
import { WEBHOOK_EVENTS } from '../waba-webhooks/webhook-input';

export interface AutomationData {
  tags: Tag[];
  rules: Rule[];
  engine: EngineSettings;
  groups: ({ id: number; name: string } & PermissionSetting)[];
  webhooks: WabaWebhook[];
  users: InboxUser[];
}

const EVENT_LABELS: Record<string, string> = {
  incoming_messages: 'incoming messages',
  outgoing_messages: 'outgoing messages',
  assigned_messages: 'messages of chats assigned to the user',
  chat_assignment: 'chat assignments',
  chat_tagging: 'chat tagging',
  message_tagging: 'message tagging',
};
const ACCESS_LABELS: Record<string, string> = {
  all: 'all chats',
  group: "chats of the user's group",
  user: 'chats assigned to the user',
  none: 'no chats',
};

const form = (action: string, csrf: string, body: string, label: string) =>
  `<form method="post" action="${action}"><input type="hidden" name="csrfmiddlewaretoken" value="${h(csrf)}">${body}<button type="submit">${h(label)}</button></form>`;
const select = (id: string, name: string, label: string, options: [string, string][], selected = '') =>
  `<label for="${id}">${h(label)}</label><select id="${id}" name="${name}">${options
    .map(
      ([value, text]) =>
        `<option value="${h(value)}"${value === selected ? ' selected' : ''}>${h(text)}</option>`,
    )
    .join('')}</select>`;

function ruleSentence(rule: Rule, data: AutomationData): string {
  const tag = data.tags.find((t) => t.id === rule.tag);
  const when = rule.tag === null ? 'A new chat writes' : `A chat is tagged “${tag?.name ?? rule.tag}”`;
  const user = data.users.find((u) => u.id === rule.assign_to_user);
  const group = GROUPS.find((g) => g.id === rule.assign_to_group);
  const then = user
    ? `assign it to ${user.username}`
    : `assign it to the ${group?.name ?? rule.assign_to_group} group (${rule.group_assign_method === 'round_robin' ? 'round robin' : 'the group decides'})`;
  return `${when} → ${then}`;
}

function rulesSection(data: AutomationData, csrf: string): string {
  const rules = data.rules.length
    ? `<ul>${data.rules
        .map(
          (r) =>
            `<li>${h(ruleSentence(r, data))} ${form(`/admin/rules/${r.id}/delete/`, csrf, '', 'Delete')}</li>`,
        )
        .join('')}</ul>`
    : '<p class="hint">No rules yet: nobody is assigned automatically.</p>';
  const targets: [string, string][] = [
    ...data.users.map((u): [string, string] => [`user:${u.id}`, `User ${u.username} (${u.role})`]),
    ...GROUPS.map((g): [string, string] => [`group:${g.id}`, `Group ${g.name}`]),
  ];
  return `<section aria-labelledby="rules-title"><h2 id="rules-title">Default rule engine</h2>${rules}
${form(
  '/admin/rules/',
  csrf,
  select('rule-tag', 'tag', 'When', [
    ['', 'a new chat writes (no tag)'],
    ...data.tags.map((t): [string, string] => [String(t.id), `a chat is tagged “${t.name}”`]),
  ]) +
    select('rule-target', 'target', 'Assign to', targets) +
    select('rule-method', 'group_assign_method', 'For a group', [
      ['let_group_decide', 'let the group decide'],
      ['round_robin', 'round robin'],
    ]),
  'Add rule',
)}</section>`;
}

function engineSection(data: AutomationData, csrf: string): string {
  const { engine } = data;
  const status =
    engine.mode === 'custom'
      ? `<p>Custom engine at <code>${h(engine.url ?? '')}</code>.</p>${form('/admin/rule-engine/default/', csrf, '', 'Use the default engine')}`
      : '<p>The default engine (the rules above) is in use.</p>';
  const error = engine.last_error
    ? `<p class="errors" role="alert">Last failure: ${h(engine.last_error)}</p>`
    : '';
  return `<section aria-labelledby="engine-title"><h2 id="engine-title">Custom rule engine</h2>${status}${error}
${form(
  '/admin/rule-engine/',
  csrf,
  `<label for="engine-url">Engine URL</label><input type="text" id="engine-url" name="url" value="${h(engine.url ?? '')}">
<label for="engine-header">Header name (optional)</label><input type="text" id="engine-header" name="header_name" placeholder="Authorization">
<label for="engine-header-value">Header value</label><input type="text" id="engine-header-value" name="header_value">`,
  'Switch to this custom engine',
)}</section>`;
}

function permissionsSection(data: AutomationData, csrf: string): string {
  const access = Object.entries<string>(ACCESS_LABELS);
  return `<section aria-labelledby="permissions-title"><h2 id="permissions-title">Permissions</h2>
<p class="hint">Admins always read and write every chat.</p>${data.groups
    .filter((g) => g.id !== 1)
    .map((g) =>
      form(
        `/admin/permissions/${g.id}/`,
        csrf,
        `<h3>${h(g.name)}</h3>` +
          select(`read-${g.id}`, 'can_read_chats', 'Reads', access, g.can_read_chats ?? 'all') +
          select(`write-${g.id}`, 'can_write_to_chats', 'Writes to', access, g.can_write_to_chats ?? 'all') +
          `<label><input type="checkbox" name="can_use_tags" value="true"${g.can_use_tags === false ? '' : ' checked'}> Uses tags</label>`,
        `Save ${g.name}`,
      ),
    )
    .join('')}</section>`;
}

function webhooksSection(data: AutomationData, csrf: string): string {
  const list = data.webhooks.length
    ? `<ul>${data.webhooks
        .map(
          (w) =>
            `<li>${h(w.username)} → <code>${h(w.url)}</code> (${h(w.events.map((e) => EVENT_LABELS[e]).join(', '))}) ${form(`/admin/webhooks/${w.id}/delete/`, csrf, '', 'Delete')}</li>`,
        )
        .join('')}</ul>`
    : '<p class="hint">No webhooks: no app receives this inbox\'s messages.</p>';
  return `<section aria-labelledby="webhooks-title"><h2 id="webhooks-title">Webhooks</h2>${list}
${form(
  '/admin/webhooks/',
  csrf,
  select(
    'webhook-user',
    'user',
    'For user',
    data.users.map((u): [string, string] => [String(u.id), `${u.username} (${u.role})`]),
  ) +
    `<label for="webhook-url">URL</label><input type="text" id="webhook-url" name="url">` +
    `<fieldset><legend>Events</legend>${WEBHOOK_EVENTS.map(
      (e) =>
        `<label><input type="checkbox" name="events" value="${e}" checked> ${h(EVENT_LABELS[e])}</label>`,
    ).join('')}</fieldset>`,
  'Add webhook',
)}</section>`;
}

function tagsSection(data: AutomationData, csrf: string): string {
  return `<section aria-labelledby="tags-title"><h2 id="tags-title">Tags</h2>
<p>${data.tags.length ? data.tags.map((t) => `<span class="tag">${h(t.name)}</span>`).join(' ') : 'No tags yet.'}</p>
${form('/admin/tags/', csrf, '<label for="tag-name">New tag</label><input type="text" id="tag-name" name="name">', 'Add tag')}</section>`;
}

/** Everything an admin configures, with what happened last (`notice`) or what went wrong (`errors`). */
export function automationSections(
  data: AutomationData,
  csrf: string,
  notice?: string,
  errors: string[] = [],
): string {
  const flash = errors.length
    ? `<ul class="errors" role="alert">${errors.map((e) => `<li>${h(e)}</li>`).join('')}</ul>`
    : notice
      ? `<p class="notice" role="status">${h(notice)}</p>`
      : '';
  return `${flash}${tagsSection(data, csrf)}${rulesSection(data, csrf)}${engineSection(data, csrf)}${permissionsSection(data, csrf)}${webhooksSection(data, csrf)}`;
}
