/**
 * What the relay's pump needs of the rule engine, so the pump does not depend on the engine's
 * feature (which depends on the relay): the engine's provider binds this token to itself.
 */
export abstract class RuleEngineDrain {
  abstract hasWork(): Promise<boolean>;
  abstract due(limit: number): Promise<unknown[]>;
  abstract nextRetry(): Promise<Date | undefined>;
  abstract drainDue(until: number, schedule: number[], stopped: () => boolean): Promise<boolean>;
}
