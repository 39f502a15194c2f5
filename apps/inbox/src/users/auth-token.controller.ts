import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { DrfError } from '../http/drf-exception.filter';
import { IdentityService } from '../identity/identity.service';

/** `POST /api/v1/auth/token/` with username and password (JSON, form or multipart) → `{"token"}`. */
@Controller('api/v1/auth/token')
export class AuthTokenController {
  constructor(private readonly identity: IdentityService) {}

  @Post()
  @HttpCode(200)
  async obtain(@Body() body: Record<string, unknown> | undefined) {
    const errors: Record<string, string[]> = {};
    for (const field of ['username', 'password']) {
      if (typeof body?.[field] !== 'string' || body[field] === '')
        errors[field] = ['This field is required.'];
    }
    if (Object.keys(errors).length) throw new DrfError(400, errors);
    const user = await this.identity.checkPassword(String(body!.username), String(body!.password));
    if (!user) throw new DrfError(400, { non_field_errors: ['Unable to log in with provided credentials.'] });
    return { token: await this.identity.tokenFor(user.id) };
  }
}
