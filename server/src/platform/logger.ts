import { pino } from 'pino';
import { config } from '../config.js';

// Structured JSON logs. Anything that could carry a secret is redacted by path, so a
// careless `log.info({ body })` still cannot leak a password or a token.
export const redaction = {
  paths: [
    'password', '*.password', '*.*.password', 'passwordHash', '*.passwordHash',
    'secret', '*.secret', 'token', '*.token',
    'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
    'headers.authorization', 'headers.cookie',
  ],
  censor: '[redacted]',
};

export const logger = pino({
  level: config.NODE_ENV === 'test' && !process.env.LOG_LEVEL ? 'silent' : config.LOG_LEVEL,
  base: { service: 'campus-cloud' },
  redact: redaction,
});

export type Logger = typeof logger;
