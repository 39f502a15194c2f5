import { DrfError } from './drf-exception.filter';
import { singleQueryValue } from './form-fields';

/** A POSIX timestamp query parameter (`since_time`, `before_time`), or a 400 naming it. */
export function timeParam(query: Record<string, unknown>, name: string): number | undefined {
  const raw = singleQueryValue(query[name]);
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,12}$/.test(raw)) throw new DrfError(400, { [name]: ['A valid integer is required.'] });
  return Number(raw);
}
