import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config, REPO_ROOT } from '../../../config.js';
import { Client, startServer, type TestServer } from '../../../test/harness.js';
import { labLock, promQuery, startStack, type Stack } from '../../../test/monitoring-stack.js';
import { startOperationWorker, stopOperations } from '../../../platform/operations/operations.js';
import { closeHostConnections } from '../../hosts/host-connections.js';
import { finished, prepareLab, vmBody } from '../../vms/__tests__/vm-lab.js';
import { setPlatformTarget, writeScrapeTargets } from '../scrape-targets.js';
import { computeBusinessSnapshot } from '../business-metrics.js';

// The whole loop on real parts: Prometheus (started by scripts/monitoring/stack with 1 s
// intervals) scrapes this test's server, both lab hosts' node and libvirt exporters, MariaDB and
// Redis; the platform's chart endpoint reads it back; an exporter stopped on a lab host fires an
// alert through Alertmanager to the platform's webhook, and the admins are told, then told again
// when it resolves.
//
// Holds the lab lock itself (shared, and exclusive while an exporter is stopped): run this file
// WITHOUT an outer `flock -s /tmp/cclab.lock` (that would deadlock the exclusive step).

const run = promisify(execFile);
let srv: TestServer;
let stack: Stack;
let admin: Client;
let templateId: string;
let release: () => void = () => {};
const saved = { url: config.PROMETHEUS_URL, step: config.MONITORING_STEP_SECONDS, dir: config.MONITORING_TARGETS_DIR };

beforeAll(async () => {
  release = await labLock('s');
  srv = await startServer();
  startOperationWorker({ concurrency: 4 });
  stack = await startStack({ webhookUrl: `${srv.url}/api/monitoring/alerts` });
  Object.assign(config, { PROMETHEUS_URL: stack.promUrl, MONITORING_STEP_SECONDS: 1, MONITORING_TARGETS_DIR: stack.targetsDir });
  setPlatformTarget(new URL(srv.url).host);
  ({ admin, templateId } = await prepareLab(srv.url));
  await writeScrapeTargets();
}, 900_000);

afterAll(async () => {
  await stack?.stop();
  Object.assign(config, { PROMETHEUS_URL: saved.url, MONITORING_STEP_SECONDS: saved.step, MONITORING_TARGETS_DIR: saved.dir });
  await stopOperations();
  await srv?.close();
  await closeHostConnections();
  release();
});

const upOf = async (job: string) => Object.fromEntries((await promQuery(stack.promUrl, `up{job="${job}"}`)).map((r) => [r.metric.host ?? r.metric.instance, r.value[1]]));

describe('Prometheus on the platform and the lab', () => {
  let owner: Client;
  let vmId: string;

  it('scrapes the platform, both hosts\' node and libvirt exporters, MariaDB and Redis; a new VM\'s series carry its id', async () => {
    const targets = JSON.parse(readFileSync(`${stack.targetsDir}/node.json`, 'utf8')) as { targets: string[]; labels: Record<string, string> }[];
    expect(targets.map((t) => [t.labels.host, t.targets[0]])).toEqual([['lab1', '10.77.0.11:9100'], ['lab2', '10.77.0.12:9100']]);

    owner = new Client(srv.url);
    await owner.signup();
    const created = await owner.post('/api/vms', vmBody(templateId));
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    vmId = created.body.vm.id;
    expect((await finished(owner, created.body.operation.id)).state).toBe('succeeded');

    await expect.poll(() => upOf('node'), { timeout: 30_000 }).toEqual({ lab1: '1', lab2: '1' });
    await expect.poll(() => upOf('libvirt'), { timeout: 30_000 }).toEqual({ lab1: '1', lab2: '1' });
    await expect.poll(async () => (await promQuery(stack.promUrl, 'up{job="campus"}')).map((r) => r.value[1]), { timeout: 30_000 }).toEqual(['1']);
    await expect.poll(async () => (await promQuery(stack.promUrl, 'max(mysql_up) + max(redis_up)'))[0]?.value[1], { timeout: 30_000 }).toBe('2');
    const host = created.body.vm.hostName as string;
    await expect.poll(async () => (await promQuery(stack.promUrl, `libvirt_domain_info_cpu_time_seconds_total{vm_id="${vmId}"}`)).map((r) => r.metric.host), { timeout: 30_000 })
      .toEqual([host]);
    // The platform's own series are there too (the application level).
    expect((await promQuery(stack.promUrl, 'http_request_duration_seconds_count{job="campus",route="/api/vms/",method="POST"}')).length).toBeGreaterThan(0);
  }, 240_000);

  it("shows a student their own VM's charts only; another user's VM is a 404; only the fixed kinds are accepted", async () => {
    const cpu = async () => (await owner.get(`/api/monitoring/vms/${vmId}/charts?kind=cpu&range=1h`)).body;
    // A CPU point needs two libvirt scrapes (every 5 s here) inside its rate window.
    await expect.poll(async () => (await cpu()).chart?.series[0]?.points.filter((p: [number, number | null]) => p[1] !== null).length ?? 0, { timeout: 60_000 })
      .toBeGreaterThan(0);
    const c = await cpu();
    expect(c).toMatchObject({ range: '1h', stepSeconds: 15, chart: { id: 'vm_cpu', unit: 'percent', series: [{ name: 'cpu' }] } });
    const memory = (await owner.get(`/api/monitoring/vms/${vmId}/charts?kind=memory&range=1d`)).body.chart;
    const total = memory.series.find((s: { name: string }) => s.name === 'total');
    expect(total.points.filter((p: [number, number | null]) => p[1] !== null).at(-1)[1]).toBe(128 * 1024 * 1024);
    for (const kind of ['disk', 'network']) {
      const r = await owner.get(`/api/monitoring/vms/${vmId}/charts?kind=${kind}&range=1w`);
      expect(r.status).toBe(200);
      expect(r.body.chart.series.map((s: { name: string }) => s.name).length).toBe(2);
    }

    const other = new Client(srv.url);
    await other.signup();
    expect((await other.get(`/api/monitoring/vms/${vmId}/charts?kind=cpu`)).status).toBe(404);
    expect((await admin.get(`/api/monitoring/vms/${vmId}/charts?kind=cpu`)).status).toBe(404);
    const promql = await owner.get(`/api/monitoring/vms/${vmId}/charts?kind=${encodeURIComponent('up{job="node"}')}`);
    expect(promql.status).toBe(400);
    expect(promql.body.error.code).toBe('VALIDATION_FAILED');
    expect((await owner.get(`/api/monitoring/vms/${vmId}/charts?kind=cpu&query=up`)).status).toBe(400);
    expect((await owner.get(`/api/monitoring/vms/${vmId}/charts?kind=cpu&range=1y`)).status).toBe(400);
  }, 60_000);

  it('gives admins every level of the monitoring page with data; students may not see it', async () => {
    await computeBusinessSnapshot();
    const level = async (l: string) => { const r = await admin.get(`/api/admin/monitoring/levels/${l}?range=1h`); expect(r.status, JSON.stringify(r.body)).toBe(200); return r.body; };
    const infra = await level('infrastructure');
    const hosts = infra.tables[0].rows as { host: string; exporter: string; ssh: string; cpuPercent: number | null }[];
    expect(hosts.map((h) => [h.host, h.exporter])).toEqual([['lab1', 'up'], ['lab2', 'up']]);
    expect(hosts.every((h) => typeof h.cpuPercent === 'number')).toBe(true);
    expect(infra.charts.find((c: { id: string }) => c.id === 'host_cpu').series.map((s: { name: string }) => s.name)).toEqual(['lab1', 'lab2']);
    // Other people's VMs on the shared lab hosts are in the top ten too: ours is there unless ten busier ones are.
    await expect.poll(async () => {
      const rows = (await level('system')).tables[0].rows as { vmId: string; vm: string }[];
      return rows.length < 10 ? rows.some((r) => r.vmId === vmId && r.vm.startsWith('vm-')) : rows.length === 10;
    }, { timeout: 20_000 }).toBe(true);
    const app = await level('application');
    expect(app.stats).toEqual(expect.arrayContaining([{ id: 'database_up', value: 1, unit: 'count' }, { id: 'redis_up', value: 1, unit: 'count' }]));
    expect(app.charts.find((c: { id: string }) => c.id === 'request_rate').series[0].points.length).toBeGreaterThan(0);
    const biz = await level('business');
    // The owner and the other student of the test before: two trials running.
    expect(biz.stats).toEqual(expect.arrayContaining([{ id: 'users_trial-active', value: 2, unit: 'count' }, { id: 'users_member', value: 1, unit: 'count' }]));
    expect(biz.tables.find((t: { id: string }) => t.id === 'resources').rows).toEqual([{ kind: 'vm', state: 'running', count: 1 }]);
    expect((await level('user')).tables.map((t: { id: string }) => t.id)).toEqual(['vitals', 'errors_by_route', 'top_errors']);
    expect((await owner.get('/api/admin/monitoring/levels/infrastructure')).status).toBe(403);
  }, 60_000);

  it('fires an alert through Alertmanager to the webhook when a lab host\'s node exporter stops; the admin is told, and told again when it resolves', async () => {
    const seen = async (kind: string) => ((await admin.get('/api/notifications?limit=50')).body.items as { kind: string; params: { alertname: string; host: string }; link: string }[])
      .filter((n) => n.kind === kind && n.params.alertname === 'HostExporterDown' && n.params.host === 'lab1');
    release();
    release = await labLock('x');
    try {
      const pidFile = '/var/lib/cclab/lab1/pids/node-exporter.pid';
      const pid = Number(readFileSync(pidFile, 'utf8').split(' ')[0]);
      process.kill(pid, 'SIGTERM');
      await expect.poll(() => seen('alert.firing'), { timeout: 60_000, interval: 500 }).toHaveLength(1);
      const alerts = (await admin.get('/api/admin/monitoring/alerts?status=firing')).body.items as { name: string; labels: Record<string, string>; link: string }[];
      const mine = alerts.find((a) => a.name === 'HostExporterDown' && a.labels.host === 'lab1');
      expect(mine?.link).toMatch(/^\/admin\/hosts\/[0-9a-f-]{36}$/);
    } finally {
      // The lab puts back what is missing (the exporter) and leaves everything else as it is.
      await run(`${REPO_ROOT}/scripts/lab/lab`, ['up', '2']);
      release();
      release = await labLock('s');
    }
    await expect.poll(() => seen('alert.resolved'), { timeout: 60_000, interval: 500 }).toHaveLength(1);
    expect(await seen('alert.firing')).toHaveLength(1);
    expect((await admin.get('/api/admin/monitoring/alerts?status=firing')).body.items.filter((a: { name: string; labels: Record<string, string> }) => a.name === 'HostExporterDown' && a.labels.host === 'lab1')).toEqual([]);
  }, 1_500_000);

  it('accepts alerts only with the webhook token when one is configured', async () => {
    const body = { status: 'firing', alerts: [] };
    config.ALERT_WEBHOOK_TOKEN = 'a-token-of-twenty-chars';
    try {
      expect((await fetch(`${srv.url}/api/monitoring/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status).toBe(401);
      const ok = await fetch(`${srv.url}/api/monitoring/alerts`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer a-token-of-twenty-chars' }, body: JSON.stringify(body) });
      expect(ok.status).toBe(200);
    } finally { config.ALERT_WEBHOOK_TOKEN = undefined; }
  });
});
