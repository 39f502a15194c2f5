/**
 * The instance's own web pages: account activation (`/confirm_account?c=`), session login,
 * logout and the admin landing page. Forms are CSRF-protected (double-submit cookie).
 */
import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { safeEqual } from '@app/common/crypto/hashing';
import { BootstrapEnv } from '@app/bootstrap';
import { CSRF_COOKIE, SESSION_COOKIE, ensureCsrfCookie, readCookie, setCookie } from '../http/cookies';
import { singleQueryValue, textField } from '../http/form-fields';
import { IdentityService } from '../identity/identity.service';
import { ActivationService } from './activation.service';
import { adminPage, errorPage, loginPage, setPasswordPage } from './pages';

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
    if (found.kind === 'invalid')
      return this.html(reply, found.status, errorPage(found.title, found.message));
    if (found.user.role === 'app') {
      // App users receive their token instead of a form; the link is spent.
      const token = await this.activation.activateApp(found.codeSha256, found.user.id);
      if (typeof token !== 'string')
        return this.html(reply, token.status, errorPage(token.title, token.message));
      return reply.status(200).send({ token });
    }
    return this.html(reply, 200, setPasswordPage(found.user.username, this.csrf(req, reply)));
  }

  @Post('confirm_account')
  async activate(
    @Query('c') code: unknown,
    @Body() form: Form,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    if (!this.csrfOk(req, form)) return this.csrfFailure(reply);
    const result = await this.activation.activateWithPassword(
      singleQueryValue(code),
      textField(form, 'password1') ?? '',
      textField(form, 'password2') ?? '',
    );
    if (result.kind === 'invalid')
      return this.html(reply, result.status, errorPage(result.title, result.message));
    if (result.kind === 'rejected') {
      return this.html(
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
    return this.html(reply, 200, loginPage(this.csrf(req, reply), safeNext(singleQueryValue(next))));
  }

  @Post('login')
  async submitLogin(@Body() form: Form, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    if (!this.csrfOk(req, form)) return this.csrfFailure(reply);
    const user = await this.identity.checkPassword(
      textField(form, 'username') ?? '',
      textField(form, 'password') ?? '',
    );
    const next = safeNext(textField(form, 'next'));
    if (!user || user.isConfigurator) {
      const message = user?.isConfigurator
        ? 'This service account cannot log in to the web interface.'
        : 'Please enter a correct username and password. Note that both fields may be case-sensitive.';
      return this.html(reply, 400, loginPage(this.csrf(req, reply), next, [message]));
    }
    await this.login(reply, user.id);
    return reply.redirect(next, 302);
  }

  @Post('logout')
  async logout(@Body() form: Form, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    if (!this.csrfOk(req, form)) return this.csrfFailure(reply);
    const sessionId = readCookie(req, SESSION_COOKIE);
    if (sessionId) await this.identity.endSession(sessionId);
    setCookie(reply, SESSION_COOKIE, '', { maxAgeSeconds: 0, httpOnly: true, secure: this.secure });
    return reply.redirect('/login/', 302);
  }

  @Get('admin')
  async admin(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const sessionId = readCookie(req, SESSION_COOKIE);
    const user = sessionId ? await this.identity.userForSession(sessionId) : null;
    if (!user) return reply.redirect('/login/?next=/admin/', 302);
    const webInbox = this.config.WEB_INBOX_URL ?? `${this.config.PUBLIC_URL}/`;
    return this.html(reply, 200, adminPage(user.username, user.role, webInbox, this.csrf(req, reply)));
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

  private csrfOk(req: FastifyRequest, form: Form): boolean {
    const cookie = readCookie(req, CSRF_COOKIE);
    const field = textField(form, 'csrfmiddlewaretoken');
    return Boolean(cookie && field && safeEqual(cookie, field));
  }

  private csrfFailure(reply: FastifyReply) {
    return this.html(
      reply,
      403,
      errorPage('Forbidden', 'CSRF verification failed. Reload the page and submit the form again.'),
    );
  }

  private html(reply: FastifyReply, status: number, page: string) {
    return reply
      .status(status)
      .header('Content-Type', 'text/html; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .send(page);
  }
}

/** Only same-site relative paths, so the login form cannot be used as an open redirect. */
function safeNext(next: string | undefined): string {
  return next && /^\/(?!\/)[\w\-./?=&%]*$/.test(next) ? next : '/admin/';
}
