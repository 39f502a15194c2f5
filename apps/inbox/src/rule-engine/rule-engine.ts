/**
 * Seed 002's rule engines at work. Events come from the engine's outbox (RuleEngineStore), drained
 * by the relay's pump (so the same wake-ups, lock and retry jobs apply). The default engine assigns
 * by the admins' rules: a rule without a tag takes a fresh chat's first message (a chat nobody and
 * no group has), a rule with a tag takes a chat when that tag is added to it or to one of its
 * messages. A custom engine is called with seed 002's payload and its answer's `assignment` list is
 * applied; a failing one is retried on the relay's schedule, a malformed answer is not, and every
 * failure is shown to admins on rule_engine/. Ingest never waits for any of it.
 */
import { Injectable, Logger } from '@nestjs/common';
import { BootstrapEnv } from '@app/bootstrap';
import { failureOf, postSigned } from '@app/delivery/signed-post';
import { AssignmentService, GROUP_ASSIGN_METHODS, GroupAssignMethod } from '../assignment/assignment.service';
import { ConversationsService } from '../conversations/conversations.service';
import { readProviderWebhook } from '../provider/provider-webhook';
import { ReceiverGuard } from '../relay/receiver-guard';
import { withAddedFields } from '../relay/relay-payload';
import { RelayStore } from '../relay/relay-store';
import { RuleEngineDrain } from '../relay/rule-engine-drain';
import { EngineSettings, Rule, RuleEngineStore, RuleEvent } from './rule-engine-store';

const BATCH = 100;
const MAX_ANSWER_CHARS = 256 * 1024;

interface EngineAssignment {
  message_id?: string;
  chat_id?: string;
  user?: number;
  group?: number;
  group_assign_method?: GroupAssignMethod;
}

class MalformedAnswer extends Error {}
/** A 2xx answer with an `error` field: what seed 002's example engine answers on an exception. */
class EngineReportedError extends Error {}

const isId = (v: unknown) => Number.isInteger(v) && (v as number) > 0 && (v as number) < 2 ** 31;

/** The `assignment` list of a custom engine's answer, or MalformedAnswer naming the problem. */
export function readEngineAnswer(text: string): EngineAssignment[] {
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    throw new MalformedAnswer('the answer is not JSON');
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer))
    throw new MalformedAnswer('the answer is not a JSON object');
  const reported = (answer as { error?: unknown }).error;
  if (reported !== undefined && reported !== null && reported !== false && reported !== '')
    throw new EngineReportedError(
      `the engine answered an error: ${(typeof reported === 'string' ? reported : JSON.stringify(reported)).slice(0, 300)}`,
    );
  const list = (answer as { assignment?: unknown }).assignment;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new MalformedAnswer('"assignment" is not a list');
  return list.map((item: unknown, i): EngineAssignment => {
    const a = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const at = `assignment[${i}]`;
    if (typeof a.message_id !== 'string' && typeof a.chat_id !== 'string')
      throw new MalformedAnswer(`${at} names neither message_id nor chat_id`);
    if (a.user !== undefined && a.user !== null && !isId(a.user))
      throw new MalformedAnswer(`${at}.user is not an id`);
    if (a.group !== undefined && a.group !== null) {
      if (!isId(a.group)) throw new MalformedAnswer(`${at}.group is not an id`);
      if (!GROUP_ASSIGN_METHODS.includes(a.group_assign_method as GroupAssignMethod))
        throw new MalformedAnswer(`${at}.group_assign_method must be round_robin or let_group_decide`);
    }
    if (!isId(a.user) && !isId(a.group)) throw new MalformedAnswer(`${at} names neither user nor group`);
    return a;
  });
}

@Injectable()
export class RuleEngine implements RuleEngineDrain {
  private readonly logger = new Logger('RuleEngine');

  constructor(
    private readonly config: BootstrapEnv,
    private readonly store: RuleEngineStore,
    private readonly assignments: AssignmentService,
    private readonly conversations: ConversationsService,
    private readonly relay: RelayStore,
    private readonly receivers: ReceiverGuard,
  ) {}

  hasWork = () => this.store.hasWork();
  nextRetry = () => this.store.nextRetry();
  due = (limit: number) => this.store.due(limit);

  /** Handles due events, oldest first, until none is due or `until` passes. */
  async drainDue(until: number, schedule: number[], stopped: () => boolean): Promise<boolean> {
    while (!stopped() && Date.now() < until) {
      const events = await this.store.due(BATCH);
      if (!events.length) return true;
      const settings = await this.store.settings();
      if (settings.mode === 'default' || !settings.url) {
        await this.byRules(events, await this.store.listRules());
        await this.store.doneMany(events.map((e) => e.id));
      } else {
        for (const event of events) {
          if (stopped()) return false;
          await this.byCustom(settings, event, schedule);
        }
      }
      if (events.length < BATCH) return true; // what came meanwhile waits for the next drain
    }
    return false;
  }

  private async byCustom(settings: EngineSettings, event: RuleEvent, schedule: number[]): Promise<void> {
    const result = await this.callCustom(settings, event);
    if (result.ok) return this.store.done(event.id, 'applied', result.problems || undefined);
    const delay = schedule[event.attempts + 1];
    const error = `custom rule engine: ${result.error}`.slice(0, 500);
    this.logger.warn(`rule event ${event.id}: ${error}`);
    if (result.permanent || delay === undefined) return this.store.done(event.id, 'failed', error);
    await this.store.retry(event.id, new Date(Date.now() + delay), error);
  }

  /** The default engine, over a batch (the rules read once; most events match none). */
  private async byRules(events: RuleEvent[], rules: Rule[]): Promise<void> {
    const fresh = rules.find((r) => r.tag === null);
    for (const event of events) {
      let rule: Rule | undefined;
      if (event.kind === 'incoming') {
        if (fresh && (await this.store.chatIsFree(event.customer_wa_id))) rule = fresh;
      } else if ((event.kind === 'chat_tagging' || event.kind === 'message_tagging') && event.event) {
        const tagging = event.event as { action?: string; tag?: { id?: number } };
        if (tagging.action === 'added') rule = rules.find((r) => r.tag !== null && r.tag === tagging.tag?.id);
      }
      if (rule)
        await this.assignments.applyRule(event.customer_wa_id, {
          user: rule.assign_to_user ?? undefined,
          group: rule.assign_to_group ?? undefined,
          method: rule.group_assign_method ?? undefined,
        });
    }
  }

  private async payload(event: RuleEvent): Promise<string | undefined> {
    if (event.kind === 'outgoing')
      return JSON.stringify({ outgoing_messages: await this.conversations.presentByIds(event.message_ids) });
    if (event.kind !== 'incoming') return JSON.stringify({ [event.kind]: event.event });
    const stored = (await this.relay.providerWebhooks([event.provider_webhook_id ?? ''])).get(
      event.provider_webhook_id ?? '',
    );
    if (!stored) return undefined;
    const ids = readProviderWebhook(stored.body).messages.map((m) => m.id);
    const incoming = await this.conversations.presentByProviderIds(ids, 0);
    return withAddedFields(stored.raw, { incoming_messages: incoming });
  }

  private async callCustom(
    settings: EngineSettings,
    event: RuleEvent,
  ): Promise<{ ok: true; problems: string } | { ok: false; error: string; permanent: boolean }> {
    const body = await this.payload(event);
    if (body === undefined) return { ok: true, problems: '' };
    const outcome = await postSigned(
      {
        url: settings.url!,
        messageId: `rule_${this.config.INSTANCE_ID.slice(0, 12)}_${event.id}`,
        body,
        signingSecret: settings.secret!,
        headers: settings.headers,
        timeoutMs: this.config.RELAY_TIMEOUT_MS,
        answerChars: MAX_ANSWER_CHARS,
      },
      this.receivers.get(),
    );
    const failure = failureOf(outcome);
    if (failure) return { ok: false, ...failure };
    let assignments: EngineAssignment[];
    try {
      assignments = readEngineAnswer(outcome.kind === 'answered' ? outcome.bodySnippet : ''); // a 2xx is answered
    } catch (error) {
      // The engine's own error may pass (it is retried on the schedule); a malformed answer will not.
      if (error instanceof EngineReportedError) return { ok: false, error: error.message, permanent: false };
      if (!(error instanceof MalformedAnswer)) throw error;
      return { ok: false, error: `malformed answer: ${error.message}`, permanent: true };
    }
    return this.applyAnswer(event, assignments);
  }

  /**
   * An engine's assignments, checked like the API checks them before any is applied (an unknown
   * chat, user or group fails the event with the reason, and nothing is recorded); then each one
   * whose chat's assignment has not changed since the event happened (docs/rule-engines.md: an
   * answer to an old event, e.g. a retried one, never undoes a newer assignment).
   */
  private async applyAnswer(
    event: RuleEvent,
    assignments: EngineAssignment[],
  ): Promise<{ ok: true; problems: string } | { ok: false; error: string; permanent: boolean }> {
    const checked: { chat: string; a: EngineAssignment }[] = [];
    const refusals: string[] = [];
    for (const [i, a] of assignments.entries()) {
      const chat = a.chat_id ?? (await this.store.chatOfMessage(a.message_id!));
      const refusal = !chat
        ? `${a.chat_id ? `chat ${a.chat_id}` : `message ${a.message_id}`} does not exist`
        : await this.assignments.ruleRefusal({ user: a.user ?? undefined, group: a.group ?? undefined });
      if (refusal) refusals.push(`assignment[${i}]: ${refusal}`.slice(0, 200));
      else checked.push({ chat: chat!, a });
    }
    if (refusals.length)
      return { ok: false, error: `refused answer: ${refusals.join('; ')}`, permanent: true };
    const skipped: string[] = [];
    for (const { chat, a } of checked) {
      const changed = await this.assignments.lastChangeAt(chat);
      if (changed && changed > event.created_at) {
        skipped.push(`chat ${chat}: not applied, its assignment changed after this event`);
        continue;
      }
      await this.assignments.applyRule(chat, {
        user: a.user ?? undefined,
        group: a.group ?? undefined,
        method: a.group_assign_method,
      });
    }
    return { ok: true, problems: skipped.map((s) => `custom rule engine: ${s}`).join('; ') };
  }
}
