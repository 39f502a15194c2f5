/** Startup check: every job the catalogue routes to a queue has a handler in its processor. */
export function assertHandlersCover(queue: string, catalogued: string[], handlers: object): void {
  const missing = catalogued.filter((name) => !(name in handlers));
  if (missing.length > 0) throw new Error(`queue ${queue}: no handler for ${missing.join(', ')}`);
}
