import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** The partner behind the request's API key, set by ApiKeyGuard. */
export interface AuthenticatedPartner {
  id: string;
  instanceQuota: number;
  maxSeats: number;
  apiKeyId: string;
}

export type PartnerRequest = FastifyRequest & { partner?: AuthenticatedPartner };

export const CurrentPartner = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthenticatedPartner => {
    const partner = context.switchToHttp().getRequest<PartnerRequest>().partner;
    if (!partner) throw new Error('CurrentPartner used on a route without ApiKeyGuard');
    return partner;
  },
);
