import { Injectable } from '@nestjs/common';
import { BootstrapEnv } from '@app/bootstrap';
import { IdentityService } from '../identity/identity.service';
import { InboxUser } from '../persistence/entities';
import { presentUser } from '../users/user.presenter';
import type { EventPayload, TaggingChange, TaggingEventRow } from './tags-store';

/** Seed 002's ChatTaggingEvent and MessageTaggingEvent: the same shape in lists, webhooks and the websocket. */
@Injectable()
export class TaggingPresenter {
  constructor(
    private readonly config: BootstrapEnv,
    private readonly identity: IdentityService,
  ) {}

  present(
    change: Omit<TaggingChange, 'doneBy'> & { timestamp: number },
    doneBy: InboxUser | undefined,
  ): EventPayload {
    return {
      timestamp: change.timestamp,
      action: change.action,
      tag: { id: change.tag.id, name: change.tag.name, web_inbox_color: change.tag.web_inbox_color },
      ...(change.kind === 'chat'
        ? { chat: change.waId }
        : { message: change.waMessageId, chat: change.waId }),
      extra: change.extra ?? null,
      done_by: doneBy ? presentUser(this.config.PUBLIC_URL, doneBy) : null,
    };
  }

  /** For a change being made: its author is the caller. */
  forActor(actor: InboxUser): (change: TaggingChange) => EventPayload {
    return (change) => this.present({ ...change, timestamp: Math.floor(Date.now() / 1000) }, actor);
  }

  async presentRows(rows: TaggingEventRow[]): Promise<EventPayload[]> {
    const ids = [...new Set(rows.map((r) => r.done_by).filter((id): id is number => id !== null))];
    const users = new Map((await this.identity.usersByIds(ids)).map((u) => [u.id, u]));
    return rows.map((r) =>
      this.present(
        {
          kind: r.kind,
          action: r.action,
          tag: r.tag,
          waId: r.customer_wa_id,
          waMessageId: r.wa_message_id,
          extra: r.extra,
          timestamp: Number(r.timestamp),
        },
        r.done_by === null ? undefined : users.get(r.done_by),
      ),
    );
  }
}
