// Object storage benchmark, one run, ratios of paths measured side by side:
//  1. Upload and download throughput of one object through presigned URLs (the browser's way:
//     the platform's API signs, the bytes go straight to S3) vs. the AWS SDK straight to the S3
//     server with the platform's identity; and through the S3 gateway with a user's access key.
//     Same object, same part size and parallelism, interleaved rounds, median.
//  2. Image import to two lab hosts (S3 -> SSH streams, checksum verified on each) vs. `scp` of
//     the same file to the same hosts.
//   bash scripts/bench/run.sh storage [--mib 64] [--rounds 3] [--image-mib 128]
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { apiClient, ROOT, startBenchServer } from './bench-server.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const arg = (name: string, dflt: number) => Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) || dflt;
const MiB = 1024 ** 2;
const SIZE = arg('mib', 64) * MiB;
const ROUNDS = arg('rounds', 5);
const IMAGE_MIB = arg('image-mib', 128);
const PART = 8 * MiB;
const PARALLEL = 3;

const PORT = 3921;
const GATEWAY = 3922;
const bench = await startBenchServer('campus_bench_oss', {
  ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', REDIS_URL: 'redis://127.0.0.1:6379/11', REDIS_PREFIX: 'ccbenchoss:',
  HOST: '127.0.0.1', PORT: String(PORT), OSS_GATEWAY_PORT: String(GATEWAY), S3_ACCESS_KEY_ID: 'campustest:platform', OSS_IMAGES_BUCKET: 'campustest-images',
  TRIAL_QUOTA_OBJECT_GIB: '100', OSS_PART_SIZE_MIB: String(PART / MiB),
});
const { config } = await import('../../server/src/config.js');
const { sql } = bench;
let api = apiClient(bench.base);
const hosts = JSON.parse(readFileSync(path.join(ROOT, '.data/lab/hosts.json'), 'utf8')) as { name: string; address: string; port: number; user: string }[];
if (hosts.length < 2) throw new Error('Needs two lab hosts: scripts/lab/lab up 2');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mibps = (bytes: number, ms: number) => (bytes / MiB) / (ms / 1000);
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}
/** Runs jobs `PARALLEL` at a time. */
async function parallel<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: PARALLEL }, async () => { for (let x = queue.shift(); x !== undefined; x = queue.shift()) await fn(x); }));
}
// Presigned requests go through node:http with a keep-alive agent, as the SDK's do, so the two
// paths differ in what the platform adds (its API calls), not in the HTTP client.
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
function request(method: 'PUT' | 'GET', url: string, body?: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: body ? { 'content-length': body.length } : {} }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => { n += c.length; });
      res.on('end', () => ((res.statusCode ?? 500) < 300 ? resolve(n) : reject(new Error(`${method} ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const parts = (size: number) => Array.from({ length: Math.ceil(size / PART) }, (_, i) => i + 1);
const slice = (data: Buffer, n: number) => new Uint8Array(data.subarray((n - 1) * PART, n * PART));

const bucket = `bench-${randomBytes(4).toString('hex')}`;
const data = randomBytes(SIZE);
const direct = new S3Client({ endpoint: config.S3_ENDPOINT, region: config.S3_REGION, forcePathStyle: true, credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY! }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });

async function presignedUpload(key: string): Promise<void> {
  const { upload } = await api<{ upload: { id: string; partCount: number } }>('POST', `/api/buckets/${bucket}/uploads`, { key, size: SIZE, overwrite: true });
  const { parts: signed } = await api<{ parts: { partNumber: number; url: string }[] }>('GET', `/api/buckets/${bucket}/uploads/${upload.id}/parts?numbers=${parts(SIZE).join(',')}`);
  await parallel(signed, async (p) => { await request('PUT', p.url, slice(data, p.partNumber)); });
  await api('POST', `/api/buckets/${bucket}/uploads/${upload.id}/complete`);
}
async function sdkUpload(client: S3Client, key: string): Promise<void> {
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const done: { PartNumber: number; ETag: string }[] = [];
  await parallel(parts(SIZE), async (n) => { const r2 = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: n, Body: slice(data, n) })); done.push({ PartNumber: n, ETag: r2.ETag! }); });
  await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: done.sort((a, b) => a.PartNumber - b.PartNumber) } }));
}
async function presignedDownload(key: string): Promise<void> {
  const { url } = await api<{ url: string }>('GET', `/api/buckets/${bucket}/download?key=${key}`);
  const n = await request('GET', url);
  if (n !== SIZE) throw new Error(`downloaded ${n}`);
}
async function sdkDownload(client: S3Client, key: string): Promise<void> {
  const n = (await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray()).byteLength;
  if (n !== SIZE) throw new Error(`downloaded ${n}`);
}

try {
  await api('POST', '/api/auth/signup', { email: 'bench@example.com', password: 'bench-password-1', displayName: 'Bench' });
  await api('POST', '/api/buckets', { name: bucket });
  const key = await api<{ key: { accessKeyId: string }; secretAccessKey: string }>('POST', '/api/me/s3-keys', { name: 'bench' });
  const viaGateway = new S3Client({ endpoint: `http://127.0.0.1:${GATEWAY}`, region: config.S3_REGION, forcePathStyle: true, credentials: { accessKeyId: key.key.accessKeyId, secretAccessKey: key.secretAccessKey }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  const t = { presignedUp: [] as number[], directUp: [] as number[], gatewayUp: [] as number[], presignedDown: [] as number[], directDown: [] as number[], gatewayDown: [] as number[] };
  await sdkUpload(direct, 'warm'); await presignedDownload('warm');
  for (let i = 0; i < ROUNDS; i++) {
    t.presignedUp.push(await timed(() => presignedUpload(`p-${i}`)));
    t.directUp.push(await timed(() => sdkUpload(direct, `d-${i}`)));
    t.gatewayUp.push(await timed(() => sdkUpload(viaGateway, `g-${i}`)));
    t.presignedDown.push(await timed(() => presignedDownload(`p-${i}`)));
    t.directDown.push(await timed(() => sdkDownload(direct, `d-${i}`)));
    t.gatewayDown.push(await timed(() => sdkDownload(viaGateway, `g-${i}`)));
  }
  const line = (label: string, xs: number[]) => `${label.padEnd(34)} ${mibps(SIZE, median(xs)).toFixed(1).padStart(7)} MiB/s  (median ${median(xs).toFixed(0)} ms; ${xs.map((x) => x.toFixed(0)).join(', ')})`;
  console.log(`\nObject storage: ${SIZE / MiB} MiB object, ${PART / MiB} MiB parts, ${PARALLEL} at a time, ${ROUNDS} interleaved rounds`);
  console.log(line('upload: presigned (API + S3)', t.presignedUp));
  console.log(line('upload: AWS SDK straight to S3', t.directUp));
  console.log(line('upload: AWS SDK via the gateway', t.gatewayUp));
  console.log(line('download: presigned', t.presignedDown));
  console.log(line('download: AWS SDK straight to S3', t.directDown));
  console.log(line('download: AWS SDK via the gateway', t.gatewayDown));
  console.log(`ratio presigned/direct: upload ${(median(t.directUp) / median(t.presignedUp)).toFixed(2)}x, download ${(median(t.directDown) / median(t.presignedDown)).toFixed(2)}x (goal >= 0.9x)`);
  console.log(`ratio gateway/direct:   upload ${(median(t.directUp) / median(t.gatewayUp)).toFixed(2)}x, download ${(median(t.directDown) / median(t.gatewayDown)).toFixed(2)}x`);

  // 2. Image import to two hosts vs scp.
  await sql.query("UPDATE campus_bench_oss.`User` SET role = 'admin', trialEndsAt = NULL");
  api = apiClient(bench.base);
  await api('POST', '/api/auth/login', { email: 'bench@example.com', password: 'bench-password-1' });
  for (const h of hosts.slice(0, 2)) await api('POST', '/api/admin/hosts', { name: `bench-${h.name}`, address: h.address, port: h.port, sshUser: h.user, zone: 'bench' });
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-img-'));
  const raw = path.join(dir, 'img.raw');
  const image = path.join(dir, 'bench.qcow2');
  writeFileSync(raw, randomBytes(IMAGE_MIB * MiB));
  spawnSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, image], { stdio: 'inherit' });
  const bytes = readFileSync(image);
  const began = await api<{ image: { id: string }; upload: { id: string; partCount: number; partSize: number } }>('POST', '/api/images', {
    name: `bench-${randomBytes(3).toString('hex')}`, osLabel: 'bench', fileName: 'bench.qcow2', size: bytes.length, zone: 'bench', defaultDiskGiB: 1, maxDiskGiB: 2, minMemoryMiB: 64,
  });
  const { parts: signed } = await api<{ parts: { partNumber: number; url: string; size: number }[] }>('GET', `/api/images/${began.image.id}/uploads/${began.upload.id}/parts?numbers=${Array.from({ length: began.upload.partCount }, (_, i) => i + 1).join(',')}`);
  await parallel(signed, async (p) => { await fetch(p.url, { method: 'PUT', body: new Uint8Array(bytes.subarray((p.partNumber - 1) * began.upload.partSize, (p.partNumber - 1) * began.upload.partSize + p.size)) }); });
  const t0 = performance.now();
  const { operation } = await api<{ operation: { id: string } }>('POST', `/api/images/${began.image.id}/uploads/${began.upload.id}/complete`);
  let op: { state: string; error: string | null; steps: { name: string; startedAt: string; finishedAt: string }[] };
  for (;;) {
    ({ operation: op } = await api<{ operation: typeof op }>('GET', `/api/operations/${operation.id}`));
    if (['succeeded', 'failed', 'compensated'].includes(op.state)) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  const importMs = performance.now() - t0;
  if (op.state !== 'succeeded') throw new Error(`import ${op.state}: ${op.error}`);
  const stepMs = (name: string) => { const s = op.steps.find((x) => x.name === name)!; return new Date(s.finishedAt).getTime() - new Date(s.startedAt).getTime(); };
  const key2 = path.join(ROOT, '.data/ssh/id_ed25519');
  const scp = (h: { address: string; port: number; user: string }) => timed(async () => {
    const res = spawnSync('scp', ['-q', '-i', key2, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-P', String(h.port), image, `${h.user}@${h.address}:/tmp/cc-bench-scp.qcow2`]);
    if (res.status !== 0) throw new Error(`scp: ${res.stderr}`);
    spawnSync('ssh', ['-i', key2, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-p', String(h.port), `${h.user}@${h.address}`, 'sha256sum /tmp/cc-bench-scp.qcow2 >/dev/null; rm -f /tmp/cc-bench-scp.qcow2']);
  });
  const scp1 = await scp(hosts[0]!);
  const scp2 = scp1 + (await scp(hosts[1]!));
  console.log(`\nImage import: ${(bytes.length / MiB).toFixed(0)} MiB qcow2 to 2 lab hosts`);
  console.log(`import operation (inspect + copy + register): ${importMs.toFixed(0)} ms; inspect (SHA-256 from S3) ${stepMs('inspect')} ms, copy-to-hosts (both hosts in parallel, verified) ${stepMs('copy-to-hosts')} ms`);
  console.log(`scp + sha256sum, one host: ${scp1.toFixed(0)} ms; both hosts one after the other: ${scp2.toFixed(0)} ms`);
  console.log(`ratio copy-to-hosts / scp to both: ${(stepMs('copy-to-hosts') / scp2).toFixed(2)}x; whole import / scp to both: ${(importMs / scp2).toFixed(2)}x`);
  const del = await api<{ operation: { id: string } }>('DELETE', `/api/images/${began.image.id}`);
  for (;;) {
    const { operation: d } = await api<{ operation: { state: string } }>('GET', `/api/operations/${del.operation.id}`);
    if (['succeeded', 'failed', 'compensated'].includes(d.state)) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  rmSync(dir, { recursive: true, force: true });
} finally {
  const list = await direct.send(new ListObjectsV2Command({ Bucket: bucket })).catch(() => null);
  for (const o of list?.Contents ?? []) await direct.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key! }));
  await direct.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
  await bench.stop();
}
