/**
 * Turns class-validator results into FastAPI/pydantic-style error details, so partners see the
 * same `type` names (`missing`, `string_too_long`, `extra_forbidden`, ...) FastAPI would send.
 */
import { ValidationPipe, ValidationError } from '@nestjs/common';
import { ApiValidationError, ErrorDetail } from './api-error';

/** class-validator constraint name → pydantic error type. */
const TYPE_BY_CONSTRAINT: Record<string, string> = {
  whitelistValidation: 'extra_forbidden',
  isDefined: 'missing',
  isString: 'string_type',
  isBoolean: 'bool_type',
  isInt: 'int_type',
  isObject: 'model_attributes_type',
  maxLength: 'string_too_long',
  minLength: 'string_too_short',
  matches: 'string_pattern_mismatch',
  min: 'greater_than_equal',
  max: 'less_than_equal',
  isIn: 'enum',
  isEnum: 'enum',
  isEmail: 'value_error',
  isUrl: 'url_parsing',
  nestedValidation: 'model_attributes_type',
  isHeaderMap: 'value_error',
};

const TYPE_CONSTRAINTS = new Set(['isString', 'isBoolean', 'isInt', 'isObject']);

function detailsOf(error: ValidationError, parent: (string | number)[]): ErrorDetail[] {
  const loc = [...parent, /^\d+$/.test(error.property) ? Number(error.property) : error.property];
  const own = Object.entries(error.constraints ?? {});
  // Like pydantic: a missing field reports only "missing", a value of the wrong type only its type.
  const missing = own.filter(([name]) => name === 'isDefined');
  const wrongType = own.filter(([name]) => TYPE_CONSTRAINTS.has(name));
  const chosen = missing.length ? missing : wrongType.length ? wrongType : own;
  const details = chosen.map(([name, msg]) => ({
    loc,
    msg: name === 'whitelistValidation' ? 'Extra inputs are not permitted' : msg,
    type: TYPE_BY_CONSTRAINT[name] ?? name,
  }));
  for (const child of error.children ?? []) details.push(...detailsOf(child, loc));
  return details;
}

export function toErrorDetails(errors: ValidationError[], root: string): ErrorDetail[] {
  return errors.flatMap((error) => detailsOf(error, [root]));
}

/** The validation pipe for request bodies: unknown fields and wrong types are 422s. */
export function bodyValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ApiValidationError(toErrorDetails(errors, 'body')),
  });
}

/** Query strings: unknown parameters are ignored, as FastAPI does; known ones are checked. */
export function queryValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ApiValidationError(toErrorDetails(errors, 'query')),
  });
}
