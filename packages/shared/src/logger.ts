import pino, { type Logger } from 'pino';
import type { Config } from './config';

export type { Logger };

/** Paths that may carry secrets; pino replaces them before anything is written. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'password',
  '*.password',
  'token',
  '*.token',
  'accessToken',
  'refreshToken',
  '*.accessToken',
  '*.refreshToken',
  'connectionString',
  '*.connectionString',
];

export function createLogger(
  service: string,
  config: Pick<Config, 'LOG_LEVEL' | 'LOG_FORMAT'>,
): Logger {
  return pino({
    name: service,
    level: config.LOG_LEVEL,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service },
    ...(config.LOG_FORMAT === 'pretty'
      ? {
          transport: {
            target: 'pino-pretty',
            options: {
              colorize: true,
              ignore: 'pid,hostname,service,name',
              translateTime: 'HH:MM:ss.l',
            },
          },
        }
      : {}),
  });
}

/** Removes the password from a connection URL so it can be logged. */
export function redactUrl(value: string): string {
  try {
    const parsed = new URL(value);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '[unparseable url]';
  }
}
