import { DrfError } from '../http/drf-exception.filter';
import { ProviderRefused, ProviderUnavailable } from './waba-client';

/**
 * A provider failure as the API answers it: a refusal (4xx) is the caller's 400 with the
 * provider's answer in `waba_response` (seed 002); an outage is a 503 to retry later. Anything
 * else is returned unchanged, to be thrown as it is.
 */
export function providerFailure(error: unknown, refused: string): unknown {
  if (error instanceof ProviderRefused)
    return new DrfError(400, { detail: refused, waba_response: error.response });
  if (error instanceof ProviderUnavailable) return new DrfError(503, error.message, { 'Retry-After': '30' });
  return error;
}
