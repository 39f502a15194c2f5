import { Injectable, PipeTransform } from '@nestjs/common';
import { ApiValidationError } from '@app/common';
import { MalformedJson } from './body-parsing';

/** The body must be a JSON object (sent with Content-Type: application/json). */
@Injectable()
export class JsonObjectBodyPipe implements PipeTransform {
  transform(value: unknown): unknown {
    if (value instanceof MalformedJson) {
      throw ApiValidationError.single(
        ['body', value.position],
        `JSON decode error: ${value.message}`,
        'json_invalid',
      );
    }
    if (
      value === null ||
      value === undefined ||
      typeof value !== 'object' ||
      Array.isArray(value) ||
      value.constructor !== Object
    ) {
      throw ApiValidationError.single(
        ['body'],
        'Input should be a valid dictionary or object to extract fields from: send a JSON object with Content-Type: application/json',
        'model_attributes_type',
      );
    }
    return value;
  }
}

/** Instance ids are 32 lowercase hex characters. */
@Injectable()
export class InstanceIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^[0-9a-f]{32}$/.test(value)) {
      throw ApiValidationError.single(
        ['path', 'instance_id'],
        'Instance id should be 32 lowercase hexadecimal characters',
        'string_pattern_mismatch',
      );
    }
    return value;
  }
}
