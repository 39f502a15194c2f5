import { Body, Controller, Get, Param, Patch, Put, Query, UseGuards } from '@nestjs/common';
import { BootstrapEnv } from '@app/bootstrap';
import { DrfError } from '../http/drf-exception.filter';
import { singleQueryValue } from '../http/form-fields';
import { pageLinks, pageWindow } from '../http/pagination';
import { timeParam } from '../http/query-params';
import { ApiAuthGuard, CurrentUser, NoConfigurator } from '../identity/api-auth.guard';
import { InboxUser } from '../persistence/entities';
import { AssignmentPresenter } from './assignment-presenter';
import { AssignmentService } from './assignment.service';
import { PermissionsService } from '../permissions/permissions';

type Query = Record<string, unknown>;
const WA_ID = /^\d{1,20}$/;

/**
 * Seed 002's chat assignment (DESIGN.md: `chat_assignment/{wa_id}/`, `chat_assignment_events/`).
 * A user may take a chat nobody has, and give up their own; admins assign and clear anything.
 */
@UseGuards(ApiAuthGuard)
@NoConfigurator()
@Controller('api/v1')
export class AssignmentController {
  constructor(
    private readonly assignments: AssignmentService,
    private readonly presenter: AssignmentPresenter,
    private readonly config: BootstrapEnv,
    private readonly permissions: PermissionsService,
  ) {}

  @Get('chat_assignment/:waId')
  async get(@CurrentUser() user: InboxUser, @Param('waId') waId: string) {
    const found = await this.assignments.get(waId);
    await this.permissions.mayReadChat(user, waId);
    return found;
  }

  @Put('chat_assignment/:waId')
  async replace(@CurrentUser() user: InboxUser, @Param('waId') waId: string, @Body() body: unknown) {
    await this.get(user, waId);
    return this.assignments.change(user, waId, body, false);
  }

  @Patch('chat_assignment/:waId')
  async patch(@CurrentUser() user: InboxUser, @Param('waId') waId: string, @Body() body: unknown) {
    await this.get(user, waId);
    return this.assignments.change(user, waId, body, true);
  }

  @Get('chat_assignment_events')
  async events(@CurrentUser() user: InboxUser, @Query() query: Query) {
    const window = pageWindow(query);
    const waId = singleQueryValue(query.wa_id);
    if (waId !== undefined && !WA_ID.test(waId))
      throw new DrfError(400, { wa_id: ['Not a valid WhatsApp id.'] });
    const { count, results } = await this.assignments.events(
      {
        waId,
        since: timeParam(query, 'since_time'),
        before: timeParam(query, 'before_time'),
        scope: await this.permissions.readScope(user),
      },
      window,
    );
    return {
      count,
      ...pageLinks(this.config.PUBLIC_URL, '/api/v1/chat_assignment_events/', query, window, count),
      results: await this.presenter.presentRows(results),
    };
  }
}
