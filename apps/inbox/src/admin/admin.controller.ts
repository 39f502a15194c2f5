/**
 * The admin page (`/admin/`): who is logged in, the web inbox link, and for admins the forms that
 * configure automation (tags, rules, the custom engine, permissions, webhooks) without code. A
 * session and the CSRF field are required on every form; each answers with the page again,
 * saying what was done or what was wrong.
 */
import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BootstrapEnv } from '@app/bootstrap';
import { escapeHtml } from '@app/common/html/escape-html';
import { adminPage, errorPage } from '../activation/pages';
import { SESSION_COOKIE, ensureCsrfCookie, readCookie } from '../http/cookies';
import { DrfError } from '../http/drf-exception.filter';
import { csrfFailure, csrfOk, sendHtml } from '../http/web-forms';
import { IdentityService } from '../identity/identity.service';
import { InboxUser } from '../persistence/entities';
import { AdminConsole, errorSentences } from './admin-console';
import { automationSections } from './admin-pages';

type Form = Record<string, unknown>;

@Controller('admin')
export class AdminController {
  constructor(
    private readonly identity: IdentityService,
    private readonly console: AdminConsole,
    private readonly config: BootstrapEnv,
  ) {}

  @Get()
  async page(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const user = await this.sessionUser(req);
    if (!user) return reply.redirect('/login/?next=/admin/', 302);
    return this.render(req, reply, user, 200);
  }

  @Post('tags')
  addTag(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() form: Form) {
    return this.act(req, reply, form, () => this.console.addTag(form));
  }

  @Post('rules')
  addRule(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() form: Form) {
    return this.act(req, reply, form, () => this.console.addRule(form));
  }

  @Post('rules/:id/delete')
  deleteRule(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() form: Form,
    @Param('id') id: string,
  ) {
    return this.act(req, reply, form, () => this.console.deleteRule(id));
  }

  @Post('rule-engine')
  customEngine(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() form: Form) {
    return this.act(req, reply, form, () => this.console.customEngine(form));
  }

  @Post('rule-engine/default')
  defaultEngine(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() form: Form) {
    return this.act(req, reply, form, () => this.console.defaultEngine());
  }

  @Post('permissions/:group')
  permissions(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() form: Form,
    @Param('group') group: string,
  ) {
    return this.act(req, reply, form, () => this.console.setPermissions(group, form));
  }

  @Post('webhooks')
  addWebhook(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() form: Form) {
    return this.act(req, reply, form, async () => {
      const { notice, secret } = await this.console.addWebhook(form);
      // Shown once, here (never in a URL): the receiver verifies signatures with it.
      return {
        notice,
        html: `<p class="notice" role="status">Signing secret (shown once): <code id="webhook-secret">${escapeHtml(secret)}</code></p>`,
      };
    });
  }

  @Post('webhooks/:id/delete')
  deleteWebhook(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() form: Form,
    @Param('id') id: string,
  ) {
    return this.act(req, reply, form, () => this.console.deleteWebhook(id));
  }

  private async act(
    req: FastifyRequest,
    reply: FastifyReply,
    form: Form,
    action: () => Promise<string | { notice: string; html: string }>,
  ) {
    if (!csrfOk(req, form)) return csrfFailure(reply);
    const user = await this.sessionUser(req);
    if (!user) return reply.redirect('/login/?next=/admin/', 302);
    if (user.role !== 'admin')
      return sendHtml(reply, 403, errorPage('Forbidden', 'Only admins may change this.'));
    try {
      const done = await action();
      return typeof done === 'string'
        ? this.render(req, reply, user, 200, done)
        : this.render(req, reply, user, 200, done.notice, [], done.html);
    } catch (error) {
      if (!(error instanceof DrfError)) throw error;
      return this.render(req, reply, user, error.getStatus(), undefined, errorSentences(error));
    }
  }

  private async render(
    req: FastifyRequest,
    reply: FastifyReply,
    user: InboxUser,
    status: number,
    notice?: string,
    errors: string[] = [],
    extra = '',
  ) {
    const csrf = ensureCsrfCookie(req, reply, this.config.PUBLIC_URL.startsWith('https://'));
    const webInbox = this.config.WEB_INBOX_URL ?? `${this.config.PUBLIC_URL}/`;
    const sections =
      user.role === 'admin'
        ? extra + automationSections(await this.console.data(), csrf, notice, errors)
        : '';
    return sendHtml(reply, status, adminPage(user.username, user.role, webInbox, csrf, sections));
  }

  private async sessionUser(req: FastifyRequest): Promise<InboxUser | null> {
    const sessionId = readCookie(req, SESSION_COOKIE);
    return sessionId ? this.identity.userForSession(sessionId) : null;
  }
}
