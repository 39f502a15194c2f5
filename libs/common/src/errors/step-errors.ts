/**
 * How a provisioning step fails. Permanent: retrying cannot help (the provider refused, the input
 * is wrong), the instance becomes `failed` with the reason. Transient: try again with backoff.
 */
export class PermanentStepError extends Error {
  readonly permanent = true;
}

export class TransientStepError extends Error {
  readonly permanent = false;
}

export const isPermanent = (error: unknown): boolean => error instanceof PermanentStepError;
