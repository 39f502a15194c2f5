import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { FastApiExceptionFilter } from '@app/common';
import { AppModule } from './app.module';
import { jsonBody } from './http/json-body.middleware';

export function openApiDocument(app: INestApplication) {
  const config = new DocumentBuilder()
    .setTitle('Partner API')
    .setDescription(
      "Creates and manages isolated WhatsApp team-inbox instances for a partner's customers. " +
        'Errors use FastAPI\'s shape: `{"detail": [{"loc", "msg", "type"}]}` for validation, `{"detail": "..."}` otherwise.',
    )
    .setVersion('1.0.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Partner API key' })
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Builds the configured Partner API application (used by main.ts, the tests and the benchmark). */
export async function createPartnerApi(options: { logger?: boolean } = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  if (options.logger !== false) app.useLogger(app.get(Logger));
  app.set('trust proxy', true);
  app.set('x-powered-by', false);
  app.use(jsonBody());
  app.useGlobalFilters(new FastApiExceptionFilter());
  app.enableShutdownHooks();
  SwaggerModule.setup('docs', app, () => openApiDocument(app), {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
  });
  return app;
}
