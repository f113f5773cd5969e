import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { db } from '../../platform/db.js';
import { defineOperation, PermanentStepError, type StepContext } from '../../platform/operations/operations.js';
import { driversFor } from '../hosts/host-connections.js';
import { objectStore } from '../oss/oss-store.js';
import { addUsage } from '../oss/object-quota.js';
import { HEADER_BYTES, inspectImageHeader, type ImageFormat } from './image-header.js';
import { imagesBucket } from './image-access.js';

// Turning an uploaded image into a template, as an operation a user can follow:
//   inspect        the object's first bytes say qcow2 (self-contained) or ISO; its SHA-256 is
//                  computed from S3 once, by the platform (the upload's own claim is not trusted)
//   copy-to-hosts  every ready host of the template's zone receives it over its SSH channel
//                  (streamed from S3, never whole in memory), verified on the host (size,
//                  SHA-256, format) before it is renamed into place; progress is bytes sent
//   register       the template becomes usable, on the hosts that have it
// Running it again copies to the hosts that lack the image (a new host, one that failed).

export interface ImportParams { templateId: string }
type Ctx = StepContext<ImportParams>;

interface Inspected { format: ImageFormat; sha256: string; size: number }

const PARALLEL_HOSTS = 4;
const PROGRESS_EVERY_MS = 1000;

async function loadTemplate(id: string) {
  const t = await db.template.findUnique({ where: { id } });
  if (!t || !t.sourceKey) throw new PermanentStepError('The image no longer exists.');
  return { ...t, sourceKey: t.sourceKey };
}

const hostPath = (imageDir: string, templateId: string, format: ImageFormat) => `${imageDir}/base/img-${templateId}.${format}`;

async function inspect(ctx: Ctx): Promise<void> {
  const t = await loadTemplate(ctx.params.templateId);
  const store = objectStore();
  const head = await store.head(imagesBucket(), t.sourceKey);
  if (!head) throw new PermanentStepError('The uploaded image is missing from the images bucket.');
  const first = await store.getStream(imagesBucket(), t.sourceKey, `bytes=0-${HEADER_BYTES - 1}`);
  const chunks: Buffer[] = [];
  for await (const c of first.body) chunks.push(c as Buffer);
  const verdict = inspectImageHeader(Buffer.concat(chunks));
  if ('problem' in verdict) throw new PermanentStepError(`Not usable as a VM image: ${verdict.problem}.`);
  const hash = createHash('sha256');
  let seen = 0;
  let last = 0;
  const whole = await store.getStream(imagesBucket(), t.sourceKey);
  for await (const c of whole.body) {
    hash.update(c as Buffer);
    seen += (c as Buffer).length;
    if (Date.now() - last > PROGRESS_EVERY_MS) {
      last = Date.now();
      await ctx.progress(seen, head.size, 'checksum');
    }
  }
  const inspected: Inspected = { format: verdict.format, sha256: hash.digest('hex'), size: seen };
  await ctx.progress(seen, head.size, 'checksum');
  await ctx.remember({ inspected });
  await db.template.update({
    where: { id: t.id },
    data: { format: inspected.format, sizeBytes: BigInt(inspected.size), checksumSha256: inspected.sha256, imagePath: hostPath('/var/lib/libvirt/images', t.id, inspected.format), status: 'importing' },
  });
}

function inspected(ctx: Ctx): Inspected {
  const i = ctx.state.inspected as Inspected | undefined;
  if (!i) throw new Error('the image was not inspected');
  return i;
}

async function copyToHosts(ctx: Ctx): Promise<void> {
  const t = await loadTemplate(ctx.params.templateId);
  const img = inspected(ctx);
  const hosts = await db.host.findMany({ where: { zone: t.zone, status: 'ready', maintenance: false } });
  const present = new Set((await db.templateHost.findMany({ where: { templateId: t.id, state: 'ready' }, select: { hostId: true } })).map((h) => h.hostId));
  const targets = hosts.filter((h) => !present.has(h.id));
  if (!hosts.length) throw new PermanentStepError(`No host of zone "${t.zone}" is ready to receive the image.`);
  const sent = new Map<string, number>();
  let last = 0;
  // Progress writes run one after another, each with the figures of its own moment, so a slow
  // write can never land after (and overwrite) a newer one.
  let writes = Promise.resolve();
  const report = (force = false): Promise<void> => {
    if (!force && Date.now() - last < PROGRESS_EVERY_MS) return writes;
    last = Date.now();
    writes = writes.then(() => ctx.progress([...sent.values()].reduce((a, b) => a + b, 0), img.size * targets.length, `${targets.length} host(s)`)).catch((err: unknown) => { ctx.log.warn({ err }, 'could not record the copy progress'); });
    return writes;
  };
  const failures: string[] = [];
  const queue = [...targets];
  const worker = async () => {
    for (let h = queue.shift(); h; h = queue.shift()) {
      const host = h;
      const path = hostPath(host.imageDir, t.id, img.format);
      await db.templateHost.upsert({ where: { templateId_hostId: { templateId: t.id, hostId: host.id } }, create: { templateId: t.id, hostId: host.id, path }, update: { path, state: 'copying', error: null } });
      // Counts bytes as the host's channel pulls them (a 'data' listener would start the flow
      // before the channel is attached and lose the bytes read meanwhile).
      const counted = new Transform({
        transform(chunk: Buffer, _enc, done) {
          sent.set(host.id, (sent.get(host.id) ?? 0) + chunk.length);
          void report();
          done(null, chunk);
        },
      });
      try {
        const { hypervisor } = await driversFor(host);
        const source = await objectStore().getStream(imagesBucket(), t.sourceKey);
        const piping = pipeline(source.body, counted).catch(() => undefined);
        await hypervisor.importImage({ path, source: counted, sizeBytes: img.size, sha256: img.sha256, format: img.format });
        await piping;
        sent.set(host.id, img.size);
        await db.templateHost.update({ where: { templateId_hostId: { templateId: t.id, hostId: host.id } }, data: { state: 'ready', error: null } });
      } catch (e) {
        counted.destroy();
        const message = (e instanceof Error ? e.message : String(e)).slice(0, 1000);
        failures.push(`${host.name}: ${message}`);
        await db.templateHost.update({ where: { templateId_hostId: { templateId: t.id, hostId: host.id } }, data: { state: 'failed', error: message } });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_HOSTS, targets.length) }, worker));
  await report(true);
  const ready = await db.templateHost.count({ where: { templateId: t.id, state: 'ready' } });
  if (!ready) throw new Error(`No host received the image: ${failures.join('; ')}`);
  await ctx.remember({ failures });
}

async function removeFromHosts(ctx: Ctx): Promise<void> {
  const rows = await db.templateHost.findMany({ where: { templateId: ctx.params.templateId }, include: { host: true } });
  for (const r of rows) {
    const { hypervisor } = await driversFor(r.host);
    await hypervisor.removeImportedImage(r.path);
    await db.templateHost.delete({ where: { templateId_hostId: { templateId: r.templateId, hostId: r.hostId } } });
  }
}

defineOperation<ImportParams>({
  kind: 'template.import',
  steps: [
    { name: 'inspect', run: inspect },
    {
      name: 'copy-to-hosts',
      run: copyToHosts,
      // Only a template no VM uses yet loses its copies (a re-import never removes what VMs need).
      compensate: async (ctx) => { if (!(await db.vm.count({ where: { templateId: ctx.params.templateId, state: { not: 'deleted' } } }))) await removeFromHosts(ctx); },
    },
    {
      name: 'register',
      run: async (ctx) => {
        const failures = (ctx.state.failures as string[] | undefined) ?? [];
        await db.template.update({
          where: { id: ctx.params.templateId },
          data: { status: 'ready', enabled: true, statusReason: failures.length ? `Not on every host: ${failures.join('; ')}`.slice(0, 1000) : null },
        });
      },
    },
  ],
  onGaveUp: async (ctx, error) => {
    const t = await db.template.findUnique({ where: { id: ctx.params.templateId }, select: { hosts: { where: { state: 'ready' }, select: { hostId: true } } } });
    // A template that was ready before (a re-import) stays usable where it is.
    await db.template.updateMany({
      where: { id: ctx.params.templateId },
      data: t?.hosts.length ? { status: 'ready', statusReason: `The last import failed: ${error}`.slice(0, 1000) } : { status: 'failed', enabled: false, statusReason: error.slice(0, 1000) },
    });
  },
});

defineOperation<ImportParams>({
  kind: 'template.remove',
  steps: [
    { name: 'remove-from-hosts', run: removeFromHosts },
    {
      name: 'remove-upload',
      run: async (ctx) => {
        const t = await db.template.findUnique({ where: { id: ctx.params.templateId } });
        if (t?.sourceKey) await objectStore().delete(imagesBucket(), t.sourceKey);
      },
    },
    {
      name: 'forget',
      run: async (ctx) => {
        await db.$transaction(async (tx) => {
          const t = await tx.template.findUnique({ where: { id: ctx.params.templateId } });
          if (!t) return;
          // A personal image stops counting against its owner's storage at once.
          if (t.ownerId && t.sizeBytes !== null) await addUsage(tx, t.ownerId, -t.sizeBytes, -1);
          await tx.template.delete({ where: { id: t.id } });
        });
      },
    },
  ],
});
