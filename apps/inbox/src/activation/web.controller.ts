/**
 * The instance's own web pages: account activation (`/confirm_account?c=`), session login and
 * logout (the admin page is admin/admin.controller.ts). Forms are CSRF-protected (double-submit cookie).
 */
import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BootstrapEnv } from '@app/bootstrap';
import { SESSION_COOKIE, ensureCsrfCookie, readCookie, setCookie } from '../http/cookies';
import { csrfFailure, csrfOk, sendHtml } from '../http/web-forms';
import { singleQueryValue, textField } from '../http/form-fields';
import { IdentityService } from '../identity/identity.service';
import { ActivationService } from './activation.service';
import { errorPage, loginPage, setPasswordPage } from './pages';

/** A parsed body: any field may be a non-string (read them with textField). */
type Form = unknown;

@Controller()
export class WebController {
  constructor(
    private readonly activation: ActivationService,
    private readonly identity: IdentityService,
    private readonly config: BootstrapEnv,
  ) {}

  @Get('confirm_account')
  async showActivation(@Query('c') code: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const found = await this.activation.lookup(singleQueryValue(code));
    if (found.kind === 'invalid') return sendHtml(reply, found.status, errorPage(found.title, found.message));
    if (found.user.role === 'app') {
      // App users receive their token instead of a form; the link is spent.
      const token = await this.activation.activateApp(found.codeSha256, found.user.id);
      if (typeof token !== 'string')
        return sendHtml(reply, token.status, errorPage(token.title, token.message));
      return reply.status(200).send({ token });
    }
    return sendHtml(reply, 200, setPasswordPage(found.user.username, this.csrf(req, reply)));
  }

  @Post('confirm_account')
  async activate(
    @Query('c') code: unknown,
    @Body() form: Form,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    if (!csrfOk(req, form)) return csrfFailure(reply);
    const result = await this.activation.activateWithPassword(
      singleQueryValue(code),
      textField(form, 'password1') ?? '',
      textField(form, 'password2') ?? '',
    );
    if (result.kind === 'invalid')
      return sendHtml(reply, result.status, errorPage(result.title, result.message));
    if (result.kind === 'rejected') {
      return sendHtml(
        reply,
        400,
        setPasswordPage(result.user.username, this.csrf(req, reply), result.errors),
      );
    }
    await this.login(reply, result.user.id);
    return reply.redirect('/admin/', 302);
  }

  @Get('login')
  showLogin(@Query('next') next: unknown, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return sendHtml(reply, 200, loginPage(this.csrf(req, reply), safeNext(singleQueryValue(next))));
  }

  @Post('login')
  async submitLogin(@Body() form: Form, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    if (!csrfOk(req, form)) return csrfFailure(reply);
    const user = await this.identity.checkPassword(
      textField(form, 'username') ?? '',
      textField(form, 'password') ?? '',
    );
    const next = safeNext(textField(form, 'next'));
    if (!user || user.isConfigurator) {
      const message = user?.isConfigurator
        ? 'This service account cannot log in to the web interface.'
        : 'Please enter a correct username and password. Note that both fields may be case-sensitive.';
      return sendHtml(reply, 400, loginPage(this.csrf(req, reply), next, [message]));
    }
    await this.login(reply, user.id);
    return reply.redirect(next, 302);
  }

  @Post('logout')
  async logout(@Body() form: Form, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    if (!csrfOk(req, form)) return csrfFailure(reply);
    const sessionId = readCookie(req, SESSION_COOKIE);
    if (sessionId) await this.identity.endSession(sessionId);
    setCookie(reply, SESSION_COOKIE, '', { maxAgeSeconds: 0, httpOnly: true, secure: this.secure });
    return reply.redirect('/login/', 302);
  }

  private get secure(): boolean {
    return this.config.PUBLIC_URL.startsWith('https://');
  }

  private async login(reply: FastifyReply, userId: number): Promise<void> {
    const sessionId = await this.identity.startSession(userId);
    setCookie(reply, SESSION_COOKIE, sessionId, {
      maxAgeSeconds: this.config.SESSION_TTL_SECONDS,
      httpOnly: true,
      secure: this.secure,
    });
  }

  /** The CSRF token of this browser (set as a cookie when it has none), to embed in a form. */
  private csrf(req: FastifyRequest, reply: FastifyReply): string {
    return ensureCsrfCookie(req, reply, this.secure);
  }
}

/** Only same-site relative paths, so the login form cannot be used as an open redirect. */
function safeNext(next: string | undefined): string {
  return next && /^\/(?!\/)[\w\-./?=&%]*$/.test(next) ? next : '/admin/';
}
