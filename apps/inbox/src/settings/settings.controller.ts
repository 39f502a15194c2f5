import { Body, Controller, Get, Put, UseGuards } from '@nestjs/common';
import { DrfError } from '../http/drf-exception.filter';
import { AdminOnly, ApiAuthGuard } from '../identity/api-auth.guard';
import { CorsPolicy } from './cors-policy';

const MAX_ORIGINS = 50;

/** An origin exactly as browsers send it: scheme, host and port, nothing else. */
function isOrigin(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 300) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

/** Our addition to seed 002: `settings/cors/`, the origins allowed to call the API (empty: any). */
@UseGuards(ApiAuthGuard)
@AdminOnly()
@Controller('api/v1/settings/cors')
export class SettingsController {
  constructor(private readonly cors: CorsPolicy) {}

  @Get()
  async get() {
    return { allowed_origins: await this.cors.allowedOrigins() };
  }

  @Put()
  async put(@Body() body: unknown) {
    const origins = (body as { allowed_origins?: unknown } | null)?.allowed_origins;
    if (!Array.isArray(origins) || origins.length > MAX_ORIGINS)
      throw new DrfError(400, {
        allowed_origins: [`A list of at most ${MAX_ORIGINS} origins; an empty list allows any origin.`],
      });
    const bad = origins.filter((o) => !isOrigin(o));
    if (bad.length)
      throw new DrfError(400, {
        allowed_origins: bad
          .slice(0, 5)
          .map((o) => `Not an origin (scheme://host[:port]): ${String(o).slice(0, 100)}`),
      });
    await this.cors.setAllowedOrigins([...new Set(origins as string[])]);
    return { allowed_origins: await this.cors.allowedOrigins() };
  }
}
