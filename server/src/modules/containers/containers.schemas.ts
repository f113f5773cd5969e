import { z } from 'zod';
import { Operation } from '../vms/vms.schemas.js';

// The contract of containers. Bodies are strict: a field the platform does not offer
// (Privileged, Binds, NetworkMode, CapAdd, HostConfig ...) is a 400, never passed through.

export const ContainerName = z.string().trim().regex(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, 'lowercase letters, digits and dashes; starts with a letter, does not end with a dash (max 63)');
const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'letters, digits and _, not starting with a digit (max 64)');
// No NUL (it would cut the variable short on the host); one value at most 4 KiB.
const EnvValue = z.string().max(4096).regex(/^[^\u0000]*$/, 'no NUL characters');
/** argv: each argument is passed as is (no shell), at most 32 of them. */
export const Command = z.array(z.string().min(1).max(1024).regex(/^[^\u0000]*$/, 'no NUL characters')).min(1).max(32);

export const CreateContainerBody = z.object({
  name: ContainerName,
  templateId: z.uuid('not a template id'),
  cpus: z.number().min(0.25).max(8).refine((c) => Number.isInteger(c * 4), 'in steps of 0.25'),
  memoryMiB: z.number().int().min(16).max(16_384).refine((m) => m % 16 === 0, 'a multiple of 16'),
  env: z.record(EnvName, EnvValue).refine((e) => Object.keys(e).length <= 32, 'at most 32 variables').optional(),
  command: Command.optional(),
  networkIds: z.array(z.uuid('not a network id')).max(4).optional()
    .describe("Private networks to join, like a VM's (default: the user's default network, made if needed); on a site without OVN, leave it out: the container gets its owner's network on its host"),
}).strict();

export const ContainerAction = z.enum(['start', 'stop', 'restart']);
export const ContainerActionBody = z.object({ action: ContainerAction }).strict();
export const ContainerIdParams = z.object({ id: z.uuid('not a container id') });

export const ContainerState = z.enum(['creating', 'starting', 'running', 'stopping', 'stopped', 'restarting', 'deleting', 'error', 'deleted']);
export const Container = z.object({
  id: z.string(), name: z.string(), state: ContainerState, templateId: z.string().nullable(), templateName: z.string(),
  image: z.string(), cpus: z.number(), memoryMiB: z.number().int(), volumeGiB: z.number().int(),
  env: z.record(z.string(), z.string()), command: z.array(z.string()).nullable(), ports: z.array(z.number().int()),
  hostName: z.string().nullable(),
  nics: z.array(z.object({
    name: z.string().describe('The interface inside the container: eth0, eth1 ...'), networkId: z.string(), networkName: z.string(),
    cidr: z.string(), gateway: z.string(), mac: z.string(), ip: z.string(),
  })).describe('Its addresses on private networks; empty on the host-internal network'),
  creditsPerHour: z.number().int(), createdAt: z.string(),
  currentOperationId: z.string().nullable(), lastError: z.string().nullable(),
  stoppedBy: z.object({ reason: z.enum(['credits', 'trial', 'disabled']), at: z.string() }).nullable(),
});
export const ContainerResponse = z.object({ container: Container });
export const ContainerList = z.object({ items: z.array(Container) });
export const AdminContainer = Container.extend({ ownerEmail: z.string() });
export const AdminContainerList = z.object({ items: z.array(AdminContainer) });
export const AdminContainerQuery = z.object({ hostName: z.string().max(63).optional() });
export const ContainerAccepted = z.object({ container: Container, operation: Operation });

export const LogsQuery = z.object({
  tail: z.coerce.number().int().min(1).max(5000).default(200),
});
export const ContainerLogs = z.object({ text: z.string(), truncated: z.boolean().describe('Older bytes were cut to keep the answer under its cap') });
export const ContainerStats = z.object({
  cpuPercent: z.number(), memoryBytes: z.number(), memoryLimitBytes: z.number(), pids: z.number().int(), pidsLimit: z.number().int(), at: z.string(),
});

export const StreamTicket = z.object({
  ticket: z.string(), expiresAt: z.string(),
  /** Where to open the WebSocket (same origin). */
  path: z.string(),
});

export const ContainerTemplate = z.object({
  id: z.string(), name: z.string(), image: z.string(), description: z.string(), command: z.array(z.string()).nullable(),
  minMemoryMiB: z.number().int(), ports: z.array(z.number().int()), zone: z.string(), enabled: z.boolean(),
});
export const ContainerTemplateList = z.object({ items: z.array(ContainerTemplate) });
// An image reference as Docker writes it: [registry/]repo[:tag]; no digests, nothing else.
const ImageRef = z.string().regex(/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/, 'an image reference such as lab/httpd:latest').max(255);
export const CreateContainerTemplateBody = z.object({
  name: ContainerName,
  image: ImageRef,
  description: z.string().max(500).default(''),
  command: Command.optional(),
  minMemoryMiB: z.number().int().min(16).max(16_384).default(32),
  ports: z.array(z.number().int().min(1).max(65_535)).max(16).default([]),
  zone: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/).default('default'),
}).strict();
export const UpdateContainerTemplateBody = z.object({
  description: z.string().max(500).optional(),
  enabled: z.boolean().optional(),
  minMemoryMiB: z.number().int().min(16).max(16_384).optional(),
}).strict().refine((b) => Object.keys(b).length > 0, 'give at least one field');
export const TemplateIdParams = z.object({ id: z.uuid('not a template id') });
export const ContainerTemplateResponse = z.object({ template: ContainerTemplate });
export const ContainerTemplateCreated = ContainerTemplateResponse.extend({
  hosts: z.array(z.object({ name: z.string(), present: z.boolean() })).describe("Each ready host of the template's zone and whether it holds the image"),
});

export type ContainerDto = z.infer<typeof Container>;
export type CreateContainerInput = z.infer<typeof CreateContainerBody>;
export type ContainerActionName = z.infer<typeof ContainerAction>;
export type ContainerTemplateDto = z.infer<typeof ContainerTemplate>;
