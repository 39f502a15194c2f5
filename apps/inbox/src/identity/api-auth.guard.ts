import { CanActivate, ExecutionContext, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { BootstrapEnv } from '@app/bootstrap';
import { safeEqual } from '@app/common/crypto/hashing';
import { CSRF_COOKIE, SESSION_COOKIE, readCookie } from '../http/cookies';
import { DrfError } from '../http/drf-exception.filter';
import { InboxUser } from '../persistence/entities';
import { IdentityService } from './identity.service';

export type AuthedRequest = FastifyRequest & { user?: InboxUser };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const ADMIN_ONLY = 'adminOnly';
const NO_CONFIGURATOR = 'noConfigurator';

/** Only admins (including the configurator) may call this route. */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);
/**
 * Messaging endpoints: every authenticated user but the configurator, which seed 001 limits to
 * "any API endpoint as an admin user, except messaging endpoints".
 */
export const NoConfigurator = () => SetMetadata(NO_CONFIGURATOR, true);

export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): InboxUser => {
  const user = context.switchToHttp().getRequest<AuthedRequest>().user;
  if (!user) throw new Error('CurrentUser used without ApiAuthGuard');
  return user;
});

/**
 * Seed 002's authentication, in its order: the provider's key (`D360-Api-Key`: the instance's own
 * WhatsApp key acts as the first admin; any other value is ignored, falling through), then DRF's
 * `Authorization: Token <key>`, then the session cookie (with the CSRF check DRF's
 * SessionAuthentication makes on unsafe methods). No credentials → 403.
 */
@Injectable()
export class ApiAuthGuard implements CanActivate {
  constructor(
    private readonly identity: IdentityService,
    private readonly reflector: Reflector,
    private readonly config: BootstrapEnv,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    // An upload route authenticated in its onRequest hook, before its body was read.
    const user = request.user ?? (await this.authenticate(request));
    request.user = user;
    const flags = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, flags) && user.role !== 'admin') {
      throw new DrfError(403, 'You do not have permission to perform this action.');
    }
    if (this.reflector.getAllAndOverride<boolean>(NO_CONFIGURATOR, flags) && user.isConfigurator) {
      throw new DrfError(403, 'The configurator user cannot use messaging endpoints.');
    }
    return true;
  }

  /** The request's user by seed 002's three credentials, or the 401/403 DRF answers. */
  async authenticate(request: FastifyRequest): Promise<InboxUser> {
    const user =
      (await this.fromProviderKey(request)) ??
      (await this.fromToken(request)) ??
      (await this.fromSession(request));
    if (!user) throw new DrfError(403, 'Authentication credentials were not provided.');
    return user;
  }

  private async fromProviderKey(request: FastifyRequest): Promise<InboxUser | null> {
    const key = request.headers['d360-api-key'];
    if (typeof key !== 'string' || !this.config.WABA_API_KEY || !safeEqual(key, this.config.WABA_API_KEY))
      return null;
    return this.identity.firstAdmin();
  }

  private async fromToken(request: FastifyRequest): Promise<InboxUser | null> {
    const header = request.headers.authorization;
    if (!header || !/^token\s/i.test(header)) return null;
    const key = header.slice(6).trim();
    if (!key || /\s/.test(key)) {
      throw new DrfError(401, 'Invalid token header. No credentials provided.', {
        'WWW-Authenticate': 'Token',
      });
    }
    const user = await this.identity.userForToken(key);
    if (!user) throw new DrfError(401, 'Invalid token.', { 'WWW-Authenticate': 'Token' });
    return user;
  }

  private async fromSession(request: FastifyRequest): Promise<InboxUser | null> {
    const sessionId = readCookie(request, SESSION_COOKIE);
    if (!sessionId) return null;
    const user = await this.identity.userForSession(sessionId);
    if (user && !SAFE_METHODS.has(request.method)) {
      const cookie = readCookie(request, CSRF_COOKIE);
      const header = request.headers['x-csrftoken'];
      if (!cookie || typeof header !== 'string' || !safeEqual(cookie, header)) {
        throw new DrfError(403, 'CSRF Failed: CSRF token missing or incorrect.');
      }
    }
    return user;
  }
}
