import { computed } from 'vue';
import type { Operation, QuotaFigures, Template, VmPowerAction, VmState } from '../api/types';
import { i18n } from '../i18n';
import type { TagType } from './use-host-display';
import type { VmSize } from './use-vm-cost';

// How VMs are shown and sized: state colours, which actions a state allows, the wizard's
// slider bounds and default name. Pure functions, so they can be tested without a component.

/** VM names, as the server's schema checks them. */
export const VM_NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
/** One OpenSSH public key line (type, base64 blob, optional comment), as the server's schema checks it. */
export const SSH_PUBLIC_KEY_PATTERN =
  /^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\r\n\u0000]{0,200})?$/;
/** A template's image: an absolute path of letters, digits and ._-/ without ".." (server/src/modules/templates). */
export function isImagePath(value: string): boolean {
  return /^\/[A-Za-z0-9._/-]{1,254}$/.test(value) && !value.split('/').includes('..');
}

/** Memory is chosen in steps of 256 MiB. */
export const MEMORY_STEP_MIB = 256;
/** The most one VM may have, whatever the quota (server/src/modules/vms/vms.schemas.ts). */
export const VM_MAX = { vcpus: 16, memoryMiB: 65_536, diskGiB: 2048 } as const;

/** States with an operation under way: shown with a spinner, and the list polls while any is shown. */
export const TRANSITIONAL_STATES: ReadonlySet<VmState> = new Set(['creating', 'starting', 'stopping', 'rebooting', 'deleting']);

export function isTransitional(state: VmState): boolean {
  return TRANSITIONAL_STATES.has(state);
}

const STATE_TAG: Record<VmState, TagType> = {
  creating: 'primary',
  starting: 'primary',
  running: 'success',
  stopping: 'warning',
  stopped: 'info',
  rebooting: 'warning',
  deleting: 'danger',
  error: 'danger',
  deleted: 'info',
};

export function vmStateTagType(state: VmState): TagType {
  return STATE_TAG[state] ?? 'info';
}

export interface VmAllowedActions {
  power: VmPowerAction[];
  canDelete: boolean;
}

/** What a person may ask of a VM in this state (the server's transitions in vms.service.ts). */
export function vmActionsFor(state: VmState): VmAllowedActions {
  switch (state) {
    case 'running':
      return { power: ['shutdown', 'reboot', 'poweroff'], canDelete: true };
    case 'stopped':
      return { power: ['start'], canDelete: true };
    case 'starting':
    case 'stopping':
      // A start or shutdown that hangs (a guest ignoring ACPI) can be cut short.
      return { power: ['poweroff'], canDelete: false };
    case 'error':
      return { power: [], canDelete: true };
    default:
      return { power: [], canDelete: false };
  }
}

export function isOperationFinished(operation: Pick<Operation, 'state'>): boolean {
  return operation.state === 'succeeded' || operation.state === 'failed' || operation.state === 'compensated';
}

export interface SizeRange {
  min: number;
  max: number;
  /** False when not even the minimum fits what is left of the quota. */
  fits: boolean;
}

export interface SizeBounds {
  vcpus: SizeRange;
  memoryMiB: SizeRange;
  diskGiB: SizeRange;
  /** Room for one more VM and for the template's minimum size. */
  fits: boolean;
}

function range(min: number, max: number): SizeRange {
  return { min, max: Math.max(min, max), fits: max >= min };
}

/**
 * Slider bounds for a template: at least the template's minimum memory and its default disk
 * (the server refuses less), at most the template's limit, what is left of the quota and the
 * per-VM maximum.
 */
export function sizeBounds(template: Pick<Template, 'minMemoryMiB' | 'defaultDiskGiB' | 'maxDiskGiB'>, headroom: QuotaFigures): SizeBounds {
  const memoryMin = Math.max(MEMORY_STEP_MIB, Math.ceil(template.minMemoryMiB / MEMORY_STEP_MIB) * MEMORY_STEP_MIB);
  const memoryMax = Math.floor(Math.min(headroom.memoryMiB, VM_MAX.memoryMiB) / MEMORY_STEP_MIB) * MEMORY_STEP_MIB;
  const diskMin = Math.max(1, template.defaultDiskGiB);
  const bounds = {
    vcpus: range(1, Math.min(Math.floor(headroom.vcpus), VM_MAX.vcpus)), // containers may leave a fraction of a vCPU
    memoryMiB: range(memoryMin, memoryMax),
    diskGiB: range(diskMin, Math.min(template.maxDiskGiB, headroom.diskGiB, VM_MAX.diskGiB)),
  };
  return {
    ...bounds,
    fits: headroom.vms >= 1 && bounds.vcpus.fits && bounds.memoryMiB.fits && bounds.diskGiB.fits,
  };
}

const clamp = (value: number, r: SizeRange) => Math.min(r.max, Math.max(r.min, value));

/** The size a custom VM starts with: the smallest the template allows (one vCPU, its minimum memory, its disk), not half the quota. */
export function defaultSize(template: Pick<Template, 'minMemoryMiB' | 'defaultDiskGiB'>, bounds: SizeBounds): VmSize {
  return {
    vcpus: clamp(1, bounds.vcpus),
    memoryMiB: clamp(template.minMemoryMiB, bounds.memoryMiB),
    diskGiB: clamp(template.defaultDiskGiB, bounds.diskGiB),
  };
}

const within = (value: number, r: SizeRange) => r.fits && value >= r.min && value <= r.max;

/** True when a named size suits the template and what is left of the quota. */
export function sizeFits(size: VmSize, bounds: SizeBounds): boolean {
  return bounds.fits && within(size.vcpus, bounds.vcpus) && within(size.memoryMiB, bounds.memoryMiB) && within(size.diskGiB, bounds.diskGiB);
}

/** The first of `sizes` (listed smallest first) that fits; null when none does. */
export function smallestFitting<S extends VmSize>(sizes: readonly S[], bounds: SizeBounds): S | null {
  return sizes.find((s) => sizeFits(s, bounds)) ?? null;
}

/** True when the size asks for more than is left of any quota figure (or no VM is left). */
export function exceedsHeadroom(size: VmSize, headroom: QuotaFigures): boolean {
  return headroom.vms < 1 || size.vcpus > headroom.vcpus || size.memoryMiB > headroom.memoryMiB || size.diskGiB > headroom.diskGiB;
}

/** A resize changes memory in steps of 64 MiB (the server refuses other amounts). */
export const RESIZE_MEMORY_STEP_MIB = 64;

export interface ResizeBounds {
  vcpus: SizeRange;
  memoryMiB: SizeRange;
  diskGiB: SizeRange;
}

/**
 * Bounds of the resize dialog. The VM's own size counts as available (what it holds now is
 * given back), so the most is what is left of the quota plus the current size, capped by the
 * per-VM maximum and, when known, the template's limits (minimum memory, maximum disk). The
 * disk can only grow. The current size is always inside the bounds, so keeping a figure as it is
 * is always possible even when the quota has since been lowered.
 */
export function resizeBounds(
  current: VmSize,
  headroom: QuotaFigures,
  template?: Pick<Template, 'minMemoryMiB' | 'maxDiskGiB'> | null,
): ResizeBounds {
  const step = RESIZE_MEMORY_STEP_MIB;
  const roomFor = (left: number, own: number, cap: number, keep: number) => Math.max(keep, Math.min(Math.max(0, left) + own, cap));
  const vcpusMax = roomFor(Math.floor(headroom.vcpus), current.vcpus, VM_MAX.vcpus, current.vcpus);
  const memoryMin = Math.min(current.memoryMiB, Math.max(step, Math.ceil((template?.minMemoryMiB ?? 0) / step) * step));
  const memoryMax = Math.max(
    current.memoryMiB,
    Math.floor(Math.min(Math.max(0, headroom.memoryMiB) + current.memoryMiB, VM_MAX.memoryMiB) / step) * step,
  );
  const diskCap = Math.min(VM_MAX.diskGiB, template?.maxDiskGiB ?? VM_MAX.diskGiB);
  const diskMax = roomFor(headroom.diskGiB, current.diskGiB, diskCap, current.diskGiB);
  return {
    vcpus: range(1, vcpusMax),
    memoryMiB: range(memoryMin, memoryMax),
    diskGiB: range(current.diskGiB, diskMax),
  };
}

/** The figures that differ from the current size: what a resize request carries (empty: nothing to do). */
export function resizeChanges(current: VmSize, wanted: VmSize): Partial<VmSize> {
  const changes: Partial<VmSize> = {};
  if (wanted.vcpus !== current.vcpus) changes.vcpus = wanted.vcpus;
  if (wanted.memoryMiB !== current.memoryMiB) changes.memoryMiB = wanted.memoryMiB;
  if (wanted.diskGiB !== current.diskGiB) changes.diskGiB = wanted.diskGiB;
  return changes;
}

/** Whether a snapshot may be taken, reverted to or deleted: the VM is running or stopped and free. */
export function canUseSnapshots(vm: { state: VmState; currentOperationId: string | null }): boolean {
  return (vm.state === 'running' || vm.state === 'stopped') && vm.currentOperationId === null;
}

const SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** "ubuntu-24-04-k3f9" from a template name: a valid VM name with a random suffix. */
export function defaultVmName(templateName: string, random: () => number = Math.random): string {
  let base = templateName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!/^[a-z]/.test(base)) base = base ? `vm-${base}` : 'vm';
  base = base.slice(0, 57).replace(/-+$/, '');
  let suffix = '';
  for (let i = 0; i < 4; i += 1) suffix += SUFFIX_ALPHABET[Math.floor(random() * SUFFIX_ALPHABET.length) % SUFFIX_ALPHABET.length];
  return `${base}-${suffix}`;
}

/** Memory in the unit a person reads: "512 MiB" below a GiB, "2 GiB" and "1.5 GiB" above (never "0.13 GiB"). */
export function formatGiB(mebibytes: number, locale: string): string {
  if (mebibytes < 1024) return `${new Intl.NumberFormat(locale).format(mebibytes)} MiB`;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(mebibytes / 1024)} GiB`;
}

/** "2 vCPU · 2 GiB · 10 GiB". */
export function formatVmSize(size: VmSize, locale: string): string {
  const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  return `${number.format(size.vcpus)} vCPU · ${formatGiB(size.memoryMiB, locale)} · ${number.format(size.diskGiB)} GiB`;
}

/** The pure helpers above, bound to the app's current language. */
export function useVmDisplay() {
  const locale = computed(() => i18n.global.locale.value);
  const { t, te } = i18n.global;
  return {
    stateType: vmStateTagType,
    isTransitional,
    formatSize: (size: VmSize) => formatVmSize(size, locale.value),
    formatGiB: (mebibytes: number) => formatGiB(mebibytes, locale.value),
    /** A step's name in words; the raw name for a step this version does not know. */
    stepLabel: (name: string) => (te(`operations.steps.${name}`, 'en') ? t(`operations.steps.${name}`) : name),
    /** "Create" for vm.create; the raw kind for one this version does not know. */
    kindLabel: (kind: string) => (te(`operations.kinds.${kind}`, 'en') ? t(`operations.kinds.${kind}`) : kind),
  };
}
