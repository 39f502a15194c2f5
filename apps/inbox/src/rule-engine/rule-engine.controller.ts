import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { DrfError } from '../http/drf-exception.filter';
import { AdminOnly, ApiAuthGuard } from '../identity/api-auth.guard';
import { ReceiverGuard } from '../relay/receiver-guard';
import { TagsStore } from '../tags/tags-store';
import { GROUPS } from '../users/user.presenter';
import { readWebhookInput } from '../waba-webhooks/webhook-input';
import { AssignmentService, GROUP_ASSIGN_METHODS, GroupAssignMethod } from '../assignment/assignment.service';
import { Rule, RuleEngineStore } from './rule-engine-store';

type Json = Record<string, unknown>;
const fields = (body: unknown): Json => (typeof body === 'object' && body !== null ? (body as Json) : {});

function optionalId(raw: unknown, name: string, errors: Record<string, string[]>): number | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const id = typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : raw;
  if (typeof id === 'number' && Number.isInteger(id) && id > 0 && id < 2 ** 31) return id;
  errors[name] = ['A valid integer is required.'];
  return null;
}

/**
 * Where admins (and the configurator) set seed 002's rule engines up: the default engine's rules
 * ("tagged with" a tag, or none for every fresh chat → assign to a user, or to a group by round
 * robin or letting the group decide) and the switch to a custom engine (a URL and headers). The
 * engine's failures show here.
 */
@UseGuards(ApiAuthGuard)
@AdminOnly()
@Controller('api/v1')
export class RuleEngineController {
  constructor(
    private readonly store: RuleEngineStore,
    private readonly tags: TagsStore,
    private readonly assignments: AssignmentService,
    private readonly receivers: ReceiverGuard,
  ) {}

  @Get('rules')
  async rules() {
    const results = await this.store.listRules();
    return { count: results.length, next: null, previous: null, results };
  }

  @Post('rules')
  @HttpCode(201)
  async createRule(@Body() body: unknown): Promise<Rule> {
    return this.store.createRule(await this.readRule(fields(body)));
  }

  /** A rule that can work: an existing tag or none, one existing user or one group with its method. */
  private async readRule(input: Json): Promise<Omit<Rule, 'id'>> {
    const errors: Record<string, string[]> = {};
    const tag = optionalId(input.tag, 'tag', errors);
    const user = optionalId(input.assign_to_user, 'assign_to_user', errors);
    const group = optionalId(input.assign_to_group, 'assign_to_group', errors);
    const method = input.group_assign_method ?? null;
    if (tag !== null && !(await this.tags.find(tag)))
      errors.tag = [`Invalid pk "${tag}" - object does not exist.`];
    if (user !== null && !(await this.assignments.assignable(user)))
      errors.assign_to_user = [`Invalid pk "${user}" - object does not exist.`];
    if (group !== null && !GROUPS.some((g) => g.id === group))
      errors.assign_to_group = [`Invalid pk "${group}" - object does not exist.`];
    if ((user === null) === (group === null) && !errors.assign_to_user && !errors.assign_to_group)
      errors.non_field_errors = ['Assign to a user or to a group (one of them).'];
    if (group !== null && !GROUP_ASSIGN_METHODS.includes(method as GroupAssignMethod))
      errors.group_assign_method = ['Choose round_robin or let_group_decide.'];
    if (Object.keys(errors).length) throw new DrfError(400, errors);
    return {
      tag,
      assign_to_user: user,
      assign_to_group: group,
      group_assign_method: group === null ? null : (method as GroupAssignMethod),
    };
  }

  @Delete('rules/:id')
  @HttpCode(204)
  async removeRule(@Param('id') id: string): Promise<void> {
    if (!/^\d{1,9}$/.test(id) || !(await this.store.removeRule(Number(id))))
      throw new DrfError(404, { detail: 'Not found.' });
  }

  @Get('rule_engine')
  async engine() {
    const settings = await this.store.settings();
    return {
      mode: settings.mode,
      url: settings.url,
      headers: settings.headers,
      status: {
        ...(await this.store.pendingCounts()),
        last_error: settings.last_error,
        last_error_at: settings.last_error_at?.toISOString() ?? null,
      },
    };
  }

  /** `{"mode": "default"}`, or `{"mode": "custom", "url", "headers"?}`; the answer shows the signing secret. */
  @Put('rule_engine')
  async configure(@Body() body: unknown) {
    const input = fields(body);
    if (input.mode !== 'default' && input.mode !== 'custom')
      throw new DrfError(400, { mode: ['Choose default or custom.'] });
    if (input.mode === 'default') await this.store.saveSettings({ mode: 'default', url: null, headers: {} });
    else {
      const { url, headers } = readWebhookInput(
        { url: input.url, headers: input.headers },
        this.receivers.get(),
        false,
      );
      await this.store.saveSettings({ mode: 'custom', url: url!, headers: headers ?? {} });
    }
    const secret = (await this.store.settings()).secret;
    return { ...(await this.engine()), secret: input.mode === 'custom' ? secret : undefined };
  }
}
