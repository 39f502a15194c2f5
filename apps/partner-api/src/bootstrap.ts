import { INestApplication } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { loadConfig } from '@app/config';
import {
  FastApiExceptionFilter,
  MAX_PARAM_LENGTH,
  PinoNestLogger,
  SERVER_TIMEOUTS,
  createLogger,
  frameworkErrors,
  trackAllowedMethods,
} from '@app/common';
import { AppModule } from './app.module';
import { BODY_LIMIT_BYTES, registerBodyParsers } from './http/body-parsing';
import { registerRequestHooks, requestId } from './http/request-hooks';
import { MetricsService } from './metrics/metrics.service';

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

/**
 * Builds the configured Partner API (used by main.ts, the tests and the benchmark). Fastify, not
 * Express: on this 2-core machine Nest+Express served a hello-world at ~5k req/s, Nest+Fastify at
 * ~20k (see docs/http-platform.md).
 */
export async function createPartnerApi(): Promise<NestFastifyApplication> {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL, 'partner-api');
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // Forwarded headers only from the proxies the operator names (TRUSTED_PROXIES); none by default.
    trustProxy: config.TRUSTED_PROXIES ? config.TRUSTED_PROXIES.split(',').map((p) => p.trim()) : false,
    genReqId: requestId,
    requestIdHeader: false,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
    ...SERVER_TIMEOUTS,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, {
    logger: new PinoNestLogger(log),
    abortOnError: false,
    bodyParser: false, // ours: see http/body-parsing.ts
  });
  const fastify = app.getHttpAdapter().getInstance();
  const allowedMethods = trackAllowedMethods(fastify); // before Nest registers its routes (init)
  registerBodyParsers(fastify);
  registerRequestHooks(fastify, log, app.get(MetricsService).httpDuration);
  app.useGlobalFilters(new FastApiExceptionFilter(app.get(HttpAdapterHost), allowedMethods));
  app.enableShutdownHooks();
  SwaggerModule.setup('docs', app, () => openApiDocument(app), {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
  });
  return app;
}
