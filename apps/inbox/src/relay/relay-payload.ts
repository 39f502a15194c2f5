/**
 * A relayed provider webhook is the provider's body byte for byte, with seed 002's added fields
 * (`incoming_messages`, …) appended inside its outer object; anything else is a JSON object of the
 * added fields alone.
 */
export function withAddedFields(raw: string, fields: Record<string, unknown>): string {
  const added = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`);
  if (!added.length) return raw;
  const body = raw.trimEnd();
  if (!body.endsWith('}')) throw new Error('a relayed body must be a JSON object');
  const inner = body.slice(0, -1).trimEnd();
  return `${inner}${inner.endsWith('{') ? '' : ','}${added.join(',')}}`;
}
