import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { BootstrapEnv } from '@app/bootstrap';
import { DrfError } from '../http/drf-exception.filter';
import { singleQueryValue } from '../http/form-fields';
import { pageLinks, pageWindow } from '../http/pagination';
import { AdminOnly, ApiAuthGuard } from '../identity/api-auth.guard';
import { TemplatesService, presentTemplate } from './templates.service';

type Query = Record<string, unknown>;
const truthy = (value: string | undefined) =>
  value !== undefined && ['1', 'true', 'yes'].includes(value.toLowerCase());

/**
 * Seed 002's `templates/`: the provider's templates, cached (`?refresh=true`, our addition, fetches
 * them now; `?status=approved` and `?name=` filter). Creating and deleting are for admins.
 */
@UseGuards(ApiAuthGuard)
@Controller('api/v1/templates')
export class TemplatesController {
  constructor(
    private readonly templates: TemplatesService,
    private readonly config: BootstrapEnv,
  ) {}

  @Get()
  async list(@Query() query: Query) {
    const window = pageWindow(query);
    const status = singleQueryValue(query.status)?.toLowerCase();
    const name = singleQueryValue(query.name);
    const all = (await this.templates.list(truthy(singleQueryValue(query.refresh))))
      .map(presentTemplate)
      .filter((t) => (!status || t.status.toLowerCase() === status) && (!name || t.name === name));
    return {
      count: all.length,
      ...pageLinks(this.config.PUBLIC_URL, '/api/v1/templates/', query, window, all.length),
      results: all.slice(window.offset, window.offset + window.limit),
    };
  }

  @Post()
  @HttpCode(201)
  @AdminOnly()
  create(@Body() body: unknown) {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new DrfError(400, { non_field_errors: ['Invalid data. Expected a dictionary.'] });
    return this.templates.create(body as Record<string, unknown>);
  }

  @Delete(':name')
  @HttpCode(204)
  @AdminOnly()
  async remove(@Param('name') name: string): Promise<void> {
    await this.templates.remove(name);
  }
}
