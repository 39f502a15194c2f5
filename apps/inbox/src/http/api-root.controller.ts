import { Controller, Get, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BootstrapEnv } from '@app/bootstrap';
import { ensureCsrfCookie } from './cookies';

const RESOURCES = ['users', 'groups', 'chats', 'messages', 'persons', 'contacts', 'mark_as_received'];

/**
 * `GET /api/v1/`: DRF's API root, without authentication: the resources and their URLs, and the
 * `csrftoken` cookie a browser client needs for session-authenticated writes (seed 002).
 */
@Controller('api/v1')
export class ApiRootController {
  constructor(private readonly config: BootstrapEnv) {}

  @Get()
  root(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    ensureCsrfCookie(req, reply, this.config.PUBLIC_URL.startsWith('https:'));
    return Object.fromEntries(RESOURCES.map((name) => [name, `${this.config.PUBLIC_URL}/api/v1/${name}/`]));
  }
}
