import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { DrfError } from '../http/drf-exception.filter';
import { AdminOnly, ApiAuthGuard } from '../identity/api-auth.guard';
import { ReceiverGuard } from '../relay/receiver-guard';
import { TagsStore } from '../tags/tags-store';
import { readWebhookInput } from '../waba-webhooks/webhook-input';
import { AssignmentService } from '../assignment/assignment.service';
import { Rule, RuleEngineStore } from './rule-engine-store';
import { readRule } from './rule-input';

type Json = Record<string, unknown>;
const fields = (body: unknown): Json => (typeof body === 'object' && body !== null ? (body as Json) : {});

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
    return this.store.createRule(
      await readRule(fields(body), {
        tagExists: async (id) => !!(await this.tags.find(id)),
        assignable: (id) => this.assignments.assignable(id),
      }),
    );
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
