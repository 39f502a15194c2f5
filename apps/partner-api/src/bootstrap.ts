import { INestApplication } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { loadConfig } from '@app/config';
import {
  FastApiExceptionFilter,
  MAX_PARAM_LENGTH,
  PinoNestLogger,
  SERVER_TIMEOUTS,
  answerMethodNotAllowed,
  createLogger,
  frameworkErrors,
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
  return describeBodyRules(SwaggerModule.createDocument(app, config));
}

/**
 * What the decorators cannot say about request bodies, so the document matches the server:
 * unknown fields are refused (422 extra_forbidden), and exactly one of channel_id and
 * d360_api_key is required. The latter is written as two complete alternatives: generators
 * (schemathesis, client SDKs) cannot merge `oneOf: [{required: [a]}, {required: [b]}]` with
 * `additionalProperties: false`.
 */
function describeBodyRules(document: OpenAPIObject): OpenAPIObject {
  const schemas = (document.components?.schemas ?? {}) as Record<string, SchemaObject>;
  for (const name of ['CreateInstanceDto', 'ConfiguratorDto', 'PartnerSettingsDto']) {
    if (schemas[name]) schemas[name].additionalProperties = false;
    allowNullForOptional(schemas[name]);
  }
  const create = schemas.CreateInstanceDto;
  if (create?.properties) {
    const only = (kept: string, dropped: string): SchemaObject => {
      const properties = { ...create.properties };
      delete properties[dropped];
      return { ...create, properties, required: [kept, ...(create.required ?? [])] };
    };
    schemas.CreateInstanceDto = {
      description: 'Exactly one of channel_id and d360_api_key',
      oneOf: [only('channel_id', 'd360_api_key'), only('d360_api_key', 'channel_id')],
    };
  }
  return document;
}

/** An optional field may also be `null`, which means the same as leaving it out (as the server treats it). */
function allowNullForOptional(schema: SchemaObject | undefined): void {
  for (const [name, property] of Object.entries(schema?.properties ?? {})) {
    if (schema?.required?.includes(name)) continue;
    schema!.properties![name] =
      '$ref' in property ? { allOf: [property], nullable: true } : { ...property, nullable: true };
  }
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
  answerMethodNotAllowed(fastify, () => ({ detail: 'Method Not Allowed' })); // before Nest adds routes
  registerBodyParsers(fastify);
  registerRequestHooks(fastify, log, app.get(MetricsService).httpDuration);
  app.useGlobalFilters(new FastApiExceptionFilter(app.get(HttpAdapterHost)));
  app.enableShutdownHooks();
  SwaggerModule.setup('docs', app, () => openApiDocument(app), {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
  });
  return app;
}
