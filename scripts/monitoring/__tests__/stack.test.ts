import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The shipped Prometheus/Alertmanager configs and alert rules, rendered by the same script
// start.sh uses, pass Prometheus's and Alertmanager's own checkers (promtool, amtool).
const run = promisify(execFile);
const script = path.resolve(import.meta.dirname, '../stack');
let dir: string;

beforeAll(async () => { dir = await mkdtemp(path.join(tmpdir(), 'cc-stack-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('scripts/monitoring/stack check', () => {
  it('renders valid configs with the metrics token, short rule timings and the webhook', async () => {
    await writeFile(path.join(dir, 'metrics-token'), 'secret-token');
    const env = {
      ...process.env, MON_DIR: dir, MON_METRICS_TOKEN_FILE: path.join(dir, 'metrics-token'), MON_RULE_FOR: '3s',
      MON_SCRAPE_INTERVAL: '1s', MON_WEBHOOK_URL: 'http://127.0.0.1:3999/api/monitoring/alerts',
    };
    const { stdout } = await run(script, ['check'], { env });
    expect(stdout).toContain('are valid');
    const prom = await readFile(path.join(dir, 'prometheus.yml'), 'utf8');
    expect(prom).toContain(`credentials_file: ${path.join(dir, 'metrics-token')}`);
    expect(prom).toContain('scrape_timeout: 1s');
    expect(prom).toMatch(/regex: 'cc-\(\[0-9a-f-\]\{36\}\)'\n\s+target_label: vm_id/);
    const am = await readFile(path.join(dir, 'alertmanager.yml'), 'utf8');
    expect(am).toContain("url: 'http://127.0.0.1:3999/api/monitoring/alerts'");
    expect(am).toContain(`credentials_file: '${path.join(dir, 'alert-webhook-token')}'`);
    expect((await readFile(path.join(dir, 'alert-webhook-token'), 'utf8')).length).toBeGreaterThanOrEqual(30);
    const rules = await readFile(path.join(dir, 'rules/campus.rules.yml'), 'utf8');
    expect(rules.match(/for: (\S+)/g)?.every((f) => f === 'for: 3s')).toBe(true);
    for (const alert of ['HostUnreachable', 'HostDiskFull', 'HypervisorServiceDown', 'VmCrashLooping', 'OperationFailureRate', 'QueueBacklog', 'ApiLatencyHigh', 'ApiErrorRate', 'RumErrorSpike']) {
      expect(rules).toContain(`alert: ${alert}`);
    }
  });
});
