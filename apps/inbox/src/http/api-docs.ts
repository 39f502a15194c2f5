/**
 * The instance's OpenAPI document at `/api/docs` (Swagger UI) and `/api/docs/openapi.json`,
 * generated from the controllers by @nestjs/swagger (the Partner API does the same), built on the
 * first request so that a warm process pays nothing for it.
 */
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

export function registerApiDocs(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('WhatsApp Integration API (an inbox instance)')
    .setDescription(
      "Seed 002's Integration API of one tenant's inbox: chats, messages, media, templates, tags, " +
        'chat assignment, per-user WABA webhooks (with a Standard Webhooks signature), rule engines, ' +
        'permissions and saved responses. Authenticate with `Authorization: Token <token>` ' +
        '(from `POST /api/v1/auth/token/`). Errors use Django REST framework\'s shape: `{"detail": "..."}` ' +
        'or `{"<field>": ["..."]}`.',
    )
    .setVersion('1.0.0')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'Authorization', description: 'Token <token>' })
    .build();
  let document: ReturnType<typeof SwaggerModule.createDocument> | undefined;
  SwaggerModule.setup('api/docs', app, () => (document ??= SwaggerModule.createDocument(app, config)), {
    jsonDocumentUrl: 'api/docs/openapi.json',
  });
}
