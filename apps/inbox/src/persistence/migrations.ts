import {
  CONVERSATION_MIGRATIONS,
  INGEST_MIGRATIONS,
  PENDING_SEND_MIGRATIONS,
  SEARCH_MIGRATIONS,
} from '../conversations/conversations.migrations';
import { IDENTITY_MIGRATIONS } from '../identity/identity.migrations';
import { MEDIA_MIGRATIONS } from '../media/media.migrations';
import { SAVED_RESPONSE_MIGRATIONS } from '../saved-responses/saved-responses.migrations';
import { SETTINGS_MIGRATIONS } from '../settings/settings.migrations';
import { TEMPLATE_MIGRATIONS } from '../templates/templates.migrations';
import { WABA_WEBHOOK_MIGRATIONS } from '../waba-webhooks/waba-webhooks.migrations';
import {
  RELAY_FUNCTION_LISTENING_MIGRATIONS,
  RELAY_FUNCTION_MIGRATIONS,
  RELAY_MIGRATIONS,
} from '../relay/relay.migrations';
import { TAG_EXTRA_MIGRATIONS, TAG_MIGRATIONS } from '../tags/tags.migrations';
import { ASSIGNMENT_MIGRATIONS } from '../assignment/assignment.migrations';
import { RULE_ENGINE_MIGRATIONS, RULE_EVENT_ORDER_MIGRATIONS } from '../rule-engine/rule-engine.migrations';
import { PERMISSION_MIGRATIONS } from '../permissions/permissions.migrations';

/**
 * The instance's schema, as ordered migrations recorded in `migrations`. Append only: never edit
 * one that has shipped. Applied at boot under an advisory lock (see boot-database.ts).
 */
export interface Migration {
  name: string;
  statements: string[];
}

/** Every feature's migrations, in the order they shipped. */
export const MIGRATIONS: Migration[] = [
  ...IDENTITY_MIGRATIONS,
  ...CONVERSATION_MIGRATIONS,
  ...MEDIA_MIGRATIONS,
  ...TEMPLATE_MIGRATIONS,
  ...SETTINGS_MIGRATIONS,
  ...SEARCH_MIGRATIONS,
  ...INGEST_MIGRATIONS,
  ...SAVED_RESPONSE_MIGRATIONS,
  ...WABA_WEBHOOK_MIGRATIONS,
  ...RELAY_MIGRATIONS,
  ...TAG_MIGRATIONS,
  ...ASSIGNMENT_MIGRATIONS,
  ...RULE_ENGINE_MIGRATIONS,
  ...RELAY_FUNCTION_MIGRATIONS,
  ...PERMISSION_MIGRATIONS,
  ...RELAY_FUNCTION_LISTENING_MIGRATIONS,
  ...TAG_EXTRA_MIGRATIONS,
  ...RULE_EVENT_ORDER_MIGRATIONS,
  ...PENDING_SEND_MIGRATIONS,
];
