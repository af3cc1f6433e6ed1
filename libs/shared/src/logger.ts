import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Structured JSON logs; secrets are redacted wherever they appear under these keys. Services log to
 * stdout; command-line tools pass `stderr` so their stdout carries only their output.
 */
export function createLogger(service: string, level = 'info', to: 'stdout' | 'stderr' = 'stdout'): Logger {
  const options: LoggerOptions = {
    name: service,
    level,
    base: { service, pid: process.pid },
    redact: {
      paths: [
        'authorization',
        'token',
        '*.authorization',
        '*.token',
        'headers.authorization',
        'req.headers.authorization',
        'config.PUSH_TOKEN',
        'config.DASHBOARD_TOKEN',
      ],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return to === 'stderr' ? pino(options, pino.destination({ dest: 2, sync: true })) : pino(options);
}
