/**
 * The public error shape, FastAPI's: `{"detail": [{"loc", "msg", "type"}]}` for validation
 * problems (422) and `{"detail": "..."}` for everything else. See docs/errors.md.
 */
import { HttpException, HttpStatus } from '@nestjs/common';

export interface ErrorDetail {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** A 422 listing every problem with the request, each located by `loc`. */
export class ApiValidationError extends HttpException {
  constructor(readonly details: ErrorDetail[]) {
    super({ detail: details }, HttpStatus.UNPROCESSABLE_ENTITY);
  }

  static single(loc: (string | number)[], msg: string, type = 'value_error'): ApiValidationError {
    return new ApiValidationError([{ loc, msg, type }]);
  }
}

/** Any other client or server error: `{"detail": "<message>"}` with the given status. */
export class ApiError extends HttpException {
  constructor(
    status: number,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super({ detail }, status);
  }
}
