import { Queue, Worker, type Job } from 'bullmq';
import { createRedis } from './redis.js';
import nodemailer, { type Transporter } from 'nodemailer';
import { Counter } from 'prom-client';
import { config } from '../config.js';
import { logger } from './logger.js';
import { registry } from './metrics.js';

// Outgoing mail through the site's SMTP server (SMTP_URL). A request never talks SMTP itself:
// it queues a named mail task (BullMQ: retried with backoff, survives a restart) and answers
// at once, so a slow or down mail server neither slows requests nor shows in their timing
// (a "forgot password" for an unknown address costs the same as for a known one). A task
// builds its message when it runs (a module registers it with defineMailTask) and may decide
// to send nothing.

export interface MailMessage { to: string; subject: string; text: string; html?: string }
type BuildMail<T> = (data: T) => Promise<MailMessage | null>;

const QUEUE = 'mail';
const ATTEMPTS = 5;
const tasks = new Map<string, BuildMail<unknown>>();

export const mailEnabled = (): boolean => Boolean(config.SMTP_URL);

const sent = new Counter({
  name: 'mail_messages_total', help: 'Mail tasks run, by task and outcome (sent, skipped: nothing to send, failed: an attempt failed)',
  labelNames: ['task', 'outcome'] as const, registers: [registry],
});

let transport: { url: string; t: Transporter } | undefined;
function transporter(): Transporter {
  const url = config.SMTP_URL;
  if (!url) throw new Error('SMTP_URL is not set');
  if (transport?.url !== url) {
    transport?.t.close();
    transport = { url, t: nodemailer.createTransport(url, { from: config.MAIL_FROM }) };
  }
  return transport.t;
}

const bullPrefix = () => `${config.REDIS_PREFIX}bull`;
const connection = () => createRedis(config.REDIS_URL, { maxRetriesPerRequest: null });
let queue: Queue | undefined;
let worker: Worker | undefined;

/** Registers a mail task; the returned function queues one (without SMTP_URL it does nothing). */
export function defineMailTask<T>(name: string, build: BuildMail<T>): (data: T) => Promise<void> {
  tasks.set(name, build as BuildMail<unknown>);
  return async (data: T) => {
    if (!mailEnabled()) return;
    queue ??= new Queue(QUEUE, { connection: connection(), prefix: bullPrefix() });
    await queue.add(name, data, {
      attempts: ATTEMPTS,
      backoff: { type: 'exponential', delay: 5_000 },
      // The data names a user or an address; nothing to keep once the mail is out.
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  };
}

async function runTask(job: Job<unknown>): Promise<void> {
  const build = tasks.get(job.name);
  if (!build) throw new Error(`no mail task named ${job.name}`);
  try {
    const message = await build(job.data);
    if (!message) {
      sent.inc({ task: job.name, outcome: 'skipped' });
      return;
    }
    await transporter().sendMail({ from: config.MAIL_FROM, ...message });
    sent.inc({ task: job.name, outcome: 'sent' });
  } catch (err) {
    sent.inc({ task: job.name, outcome: 'failed' });
    logger.warn({ err, task: job.name, attempt: job.attemptsMade + 1 }, 'mail not sent');
    throw err;
  }
}

export function startMailWorker(): Worker {
  worker ??= new Worker(QUEUE, runTask, { connection: connection(), prefix: bullPrefix(), concurrency: 4 });
  worker.on('error', (err) => logger.error({ err }, 'mail worker error'));
  return worker;
}

export async function stopMail(): Promise<void> {
  await worker?.close();
  worker = undefined;
  await queue?.close();
  queue = undefined;
  transport?.t.close();
  transport = undefined;
}
