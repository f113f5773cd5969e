import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { config } from '../../config.js';
import { logger } from '../../platform/logger.js';
import { query } from '../../platform/sql.js';

// Prometheus's file-based service discovery, written by the platform from the hosts table:
// node and libvirt exporters on every hypervisor host, the SSH banner probe of each host, the
// platform's own /metrics and the HTTP probes of the portal (and whatever else registers one:
// tunnels, when they land). Each file is replaced atomically and only when it changed, so every
// server process can write it; Prometheus re-reads a file when it changes.

export interface TargetGroup { targets: string[]; labels: Record<string, string> }

/** More HTTP(S) URLs for the blackbox exporter to probe from outside (users' published tunnels ...). */
type ProbeSource = () => Promise<{ url: string; labels: Record<string, string> }[]>;
const probeSources = new Map<string, ProbeSource>();
export function registerProbeTargets(kind: string, source: ProbeSource): void {
  probeSources.set(kind, source);
}

let platformTarget: string | undefined;
/** Where Prometheus reaches this server (serve.ts sets it once it listens). */
export function setPlatformTarget(hostPort: string): void {
  platformTarget = config.MONITORING_PLATFORM_TARGET ?? hostPort;
}

const hostPort = (address: string, port: number) => `${address.includes(':') ? `[${address}]` : address}:${port}`;

export async function buildTargets(): Promise<Record<string, TargetGroup[]>> {
  const hosts = await query<{ id: string; name: string; address: string; port: number; zone: string; maintenance: number }>(
    'SELECT id, name, address, port, zone, maintenance FROM Host ORDER BY name');
  const labelsOf = (h: (typeof hosts)[number]) => ({ host: h.name, host_id: h.id, zone: h.zone, maintenance: h.maintenance ? 'yes' : 'no' });
  const perHost = (port: (h: (typeof hosts)[number]) => number) => hosts.map((h) => ({ targets: [hostPort(h.address, port(h))], labels: labelsOf(h) }));
  const base = config.PUBLIC_URL ?? (platformTarget ? `http://${platformTarget}` : undefined);
  const probes: TargetGroup[] = base ? [{ targets: [`${base.replace(/\/$/, '')}/healthz`], labels: { probe: 'portal' } }] : [];
  for (const [kind, source] of probeSources) {
    try {
      for (const p of await source()) probes.push({ targets: [p.url], labels: { ...p.labels, probe: kind } });
    } catch (err) { logger.warn({ err, kind }, 'probe targets not listed'); }
  }
  return {
    'platform.json': platformTarget ? [{ targets: [platformTarget], labels: { service: 'campus' } }] : [],
    'node.json': perHost(() => config.NODE_EXPORTER_PORT),
    'libvirt.json': perHost(() => config.LIBVIRT_EXPORTER_PORT),
    'probe-ssh.json': perHost((h) => h.port),
    'probe-http.json': probes,
  };
}

async function replaceIfChanged(file: string, text: string): Promise<boolean> {
  if ((await readFile(file, 'utf8').catch(() => '')) === text) return false;
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
  return true;
}

/** Writes every target file that changed; returns the names written. */
export async function writeScrapeTargets(dir = config.MONITORING_TARGETS_DIR): Promise<string[]> {
  if (!dir) return [];
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, groups] of Object.entries(await buildTargets())) {
    if (await replaceIfChanged(path.join(dir, name), `${JSON.stringify(groups, null, 2)}\n`)) written.push(name);
  }
  if (written.length) logger.info({ dir, written }, 'scrape targets written');
  return written;
}
