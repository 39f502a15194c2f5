/**
 * JSON logs with pino: one logger per process, secrets redacted wherever they appear, and a Nest
 * LoggerService on top so framework and application logs share the same JSON stream.
 */
import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';
import { redactUrlUserinfo, serializeError } from './safe-error';

/** Never written to a log, wherever they appear in a logged object: at the top level or one level down. */
const SECRET_KEYS = [
  'authorization',
  'api_key',
  'apiKey',
  'd360_api_key',
  'token',
  'password',
  'signing_secret',
  'webhook_headers',
  'activation_url',
  'code',
];
export const REDACTED_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
  'headers.authorization',
  'headers.cookie',
];

export function createLogger(level: string, name: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    base: { service: name },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError, error: serializeError },
    hooks: {
      // Messages are free text: a URL with a password in it is masked there too.
      logMethod(args, method) {
        const masked = args.map((a: unknown) => (typeof a === 'string' ? redactUrlUserinfo(a) : a));
        method.apply(this, masked as Parameters<typeof method>);
      },
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return pino(options, destination ?? prettyWhenWanted());
}

/**
 * Human-readable lines for a person at a terminal (pino-pretty, a development dependency), JSON
 * lines for everything else (log collectors, files, pipes). LOG_FORMAT=pretty|json decides; by
 * default pretty only when stdout is a TTY. `npm run start:local`'s supervisor passes
 * LOG_FORMAT=pretty to its components when it runs in a terminal. Without pino-pretty installed
 * (a production image) the format stays JSON.
 */
function prettyWhenWanted(): pino.DestinationStream | undefined {
  const format = process.env.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json');
  if (format !== 'pretty') return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional, development only
    const pretty = require('pino-pretty') as (options: object) => pino.DestinationStream;
    return pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
  } catch {
    return undefined;
  }
}

type Fields = Record<string, unknown>;

/** Nest's logger interface over pino. `logger.log({ ...fields }, 'message')` keeps fields structured. */
export class PinoNestLogger implements LoggerService {
  constructor(readonly pino: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  /** Nest passes the context (class name) as the last string argument; objects carry fields. */
  private write(level: pino.Level, message: unknown, rest: unknown[]): void {
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const fields: Fields = context ? { context } : {};
    if (message !== null && typeof message === 'object' && !(message instanceof Error)) {
      const text = typeof rest[0] === 'string' ? (rest.shift() as string) : undefined;
      this.pino[level]({ ...fields, ...(message as Fields) }, text);
    } else if (message instanceof Error) {
      this.pino[level]({ ...fields, err: message }, message.message);
    } else {
      if (typeof rest[0] === 'string' && level === 'error') fields.stack = rest.shift();
      this.pino[level](fields, String(message));
    }
  }
}
