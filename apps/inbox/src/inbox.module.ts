/** One tenant's inbox instance: seed 002's Integration API (identity, conversations). */
import { DynamicModule, Module } from '@nestjs/common';
import { InboxDb } from './persistence/inbox-db';
import { ActivationService } from './activation/activation.service';
import { WebController } from './activation/web.controller';
import { BootstrapEnv } from '@app/bootstrap';
import { HealthController } from './health/health.controller';
import { ApiAuthGuard } from './identity/api-auth.guard';
import { IdentityService } from './identity/identity.service';
import { TokenCipher } from './identity/token-cipher';
import { AuthTokenController } from './users/auth-token.controller';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';
import { ConversationStore } from './conversations/conversation-store';
import { ConversationsController } from './conversations/conversations.controller';
import { PersonsController } from './conversations/persons.controller';
import { ContactsController } from './contacts/contacts.controller';
import { ApiRootController } from './http/api-root.controller';
import { ConversationsService } from './conversations/conversations.service';
import { PendingSends } from './conversations/pending-sends';
import { ProviderWebhookController } from './provider/provider-webhook.controller';
import { Dialog360Client } from './provider/waba-client';
import { WebhookRegistration } from './provider/webhook-registration';
import { LiveEvents } from './live/live-events';
import { LiveSockets } from './live/live-sockets';
import { MediaController } from './media/media.controller';
import { MediaService } from './media/media.service';
import { MediaStore } from './media/media-store';
import { WebFiles } from './web/web-files';
import { CorsPolicy } from './settings/cors-policy';
import { SavedResponsesController } from './saved-responses/saved-responses.controller';
import { SavedResponsesStore } from './saved-responses/saved-responses-store';
import { SettingsController } from './settings/settings.controller';
import { TemplatesController } from './templates/templates.controller';
import { TemplatesService } from './templates/templates.service';
import { TemplatesStore } from './templates/templates-store';
import { ReceiverGuard } from './relay/receiver-guard';
import { RelayPump } from './relay/relay-pump';
import { RelayPoster } from './relay/relay-poster';
import { RelaySender } from './relay/relay-sender';
import { RelayStore } from './relay/relay-store';
import { WabaWebhooksController } from './waba-webhooks/waba-webhooks.controller';
import { WabaWebhooksStore } from './waba-webhooks/waba-webhooks-store';
import { TaggingPresenter } from './tags/tagging-presenter';
import { TagsController } from './tags/tags.controller';
import { TagsStore } from './tags/tags-store';
import { AssignmentController } from './assignment/assignment.controller';
import { AssignmentPresenter } from './assignment/assignment-presenter';
import { AssignmentService } from './assignment/assignment.service';
import { AssignmentStore } from './assignment/assignment-store';
import { RuleEngine } from './rule-engine/rule-engine';
import { RuleEngineController } from './rule-engine/rule-engine.controller';
import { RuleEngineStore } from './rule-engine/rule-engine-store';
import { RuleEngineDrain } from './relay/rule-engine-drain';
import { PermissionsController } from './permissions/permissions.controller';
import { PermissionsService } from './permissions/permissions';
import { AdminController } from './admin/admin.controller';
import { AdminConsole } from './admin/admin-console';

@Module({})
export class InboxModule {
  /** `config`, `db` and `tokens` are filled in when the tenant is bound (create-inbox.ts). */
  static with(config: BootstrapEnv, db: InboxDb, tokens: TokenCipher): DynamicModule {
    return {
      module: InboxModule,
      controllers: [
        HealthController,
        AuthTokenController,
        UsersController,
        ConversationsController,
        PersonsController,
        ContactsController,
        MediaController,
        TemplatesController,
        SettingsController,
        SavedResponsesController,
        WabaWebhooksController,
        TagsController,
        AssignmentController,
        RuleEngineController,
        PermissionsController,
        ApiRootController,
        ProviderWebhookController,
        WebController,
        AdminController,
      ],
      providers: [
        { provide: BootstrapEnv, useValue: config },
        { provide: InboxDb, useValue: db },
        { provide: TokenCipher, useValue: tokens },
        IdentityService,
        ApiAuthGuard,
        UsersService,
        ActivationService,
        ConversationStore,
        ConversationsService,
        PendingSends,
        Dialog360Client,
        WebhookRegistration,
        LiveEvents,
        LiveSockets,
        MediaStore,
        MediaService,
        TemplatesStore,
        TemplatesService,
        CorsPolicy,
        SavedResponsesStore,
        WabaWebhooksStore,
        TagsStore,
        TaggingPresenter,
        AssignmentStore,
        AssignmentPresenter,
        AssignmentService,
        RuleEngineStore,
        PermissionsService,
        AdminConsole,
        RuleEngine,
        { provide: RuleEngineDrain, useExisting: RuleEngine },
        ReceiverGuard,
        RelayStore,
        RelaySender,
        RelayPoster,
        RelayPump,
        WebFiles,
      ],
    };
  }
}
