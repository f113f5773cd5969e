import { defineStore } from 'pinia';
import { ref } from 'vue';
import { newIdempotencyKey } from '@/api/client';
import * as vmsApi from '@/api/vms';
import type { CreateVmBody, Operation, ResizeVmBody, Vm, VmOperationResult, VmPowerAction, VmSnapshot } from '@/api/types';

/** What a VM has in flight from this tab; one at a time per VM, so each button shows its own spinner. */
export type VmAction = VmPowerAction | 'delete' | 'resize' | SnapshotAction;
export type SnapshotAction = 'snapshot-create' | 'snapshot-revert' | 'snapshot-delete';

export const useVmsStore = defineStore('vms', () => {
  const items = ref<Vm[]>([]);
  /** True once the list has answered at least once (the empty state is only shown after that). */
  const loaded = ref(false);
  /** A load the user asked for (first load, refresh button): the table shows a spinner. */
  const loading = ref(false);
  /** A background refresh (polling): no spinner. */
  const refreshing = ref(false);
  /** The VM of the detail page. */
  const current = ref<Vm | null>(null);
  const currentLoading = ref(false);
  const creating = ref(false);
  const pending = ref<Map<string, VmAction>>(new Map());
  /** Operations seen so far, by id. */
  const operations = ref<Map<string, Operation>>(new Map());
  /**
   * VM id -> the last operation this tab started or saw on it, so the detail page can keep
   * showing how it ended once the VM's currentOperationId is back to null.
   */
  const lastOperationOf = ref<Map<string, string>>(new Map());
  /** VM id -> its snapshots (oldest first), as last read from its host. */
  const snapshots = ref<Map<string, VmSnapshot[]>>(new Map());
  /** VM ids whose snapshot list is being read. */
  const snapshotsLoading = ref<Set<string>>(new Set());
  /** VM id -> the snapshot a revert or delete is being sent for, so only that row shows a spinner. */
  const pendingSnapshot = ref<Map<string, string>>(new Map());

  // As in the hosts store: a list answer that left the server before a change here finished
  // must not undo that change, so local changes are numbered and win over older answers.
  let changeSeq = 0;
  const changedAt = new Map<string, number>();

  function remember(vm: Vm): void {
    changedAt.set(vm.id, ++changeSeq);
    items.value = items.value.some((v) => v.id === vm.id)
      ? items.value.map((v) => (v.id === vm.id ? vm : v))
      : [vm, ...items.value];
    if (current.value?.id === vm.id) current.value = vm;
    if (vm.currentOperationId) lastOperationOf.value.set(vm.id, vm.currentOperationId);
  }

  function rememberOperation(operation: Operation): void {
    operations.value.set(operation.id, operation);
    lastOperationOf.value.set(operation.targetId, operation.id);
  }

  function accept(result: VmOperationResult): VmOperationResult {
    rememberOperation(result.operation);
    remember(result.vm);
    return result;
  }

  let inFlight: Promise<void> | null = null;

  /** Loads the list; a load asked for while another runs waits for that one instead of sending a second request. */
  async function fetch(options: { silent?: boolean } = {}): Promise<void> {
    const flag = options.silent ? refreshing : loading;
    flag.value = true;
    try {
      inFlight ??= load().finally(() => {
        inFlight = null;
      });
      await inFlight;
    } finally {
      flag.value = false;
    }
  }

  async function load(): Promise<void> {
    const startedAt = changeSeq;
    const fresh = await vmsApi.listVms();
    const local = new Map(items.value.map((v) => [v.id, v]));
    const changedSince = (id: string) => (changedAt.get(id) ?? 0) > startedAt;
    const freshIds = new Set(fresh.map((v) => v.id));
    // Created here after the list was read: not in the answer yet, but it exists.
    const added = items.value.filter((v) => !freshIds.has(v.id) && changedSince(v.id));
    const merged = fresh.map((v) => (changedSince(v.id) ? (local.get(v.id) ?? v) : v));
    for (const vm of merged) if (vm.currentOperationId) lastOperationOf.value.set(vm.id, vm.currentOperationId);
    items.value = [...added, ...merged];
    loaded.value = true;
  }

  /** Loads one VM for the detail page (and updates its row in the list). */
  async function fetchOne(id: string, options: { silent?: boolean } = {}): Promise<Vm> {
    if (!options.silent) currentLoading.value = true;
    try {
      const vm = await vmsApi.getVm(id);
      current.value = vm;
      remember(vm);
      // After a reload this tab has not seen the VM's last operation: ask for it.
      if (!lastOperationOf.value.has(id)) {
        const [latest] = await vmsApi.listVmOperations(id);
        if (latest) rememberOperation(latest);
      }
      return vm;
    } finally {
      if (!options.silent) currentLoading.value = false;
    }
  }

  async function fetchOperation(id: string): Promise<Operation> {
    const operation = await vmsApi.getOperation(id);
    rememberOperation(operation);
    return operation;
  }

  /** Resolves to null when a create is already running (a double submit). */
  async function create(body: CreateVmBody): Promise<VmOperationResult | null> {
    if (creating.value) return null;
    creating.value = true;
    try {
      return accept(await vmsApi.createVm(body, { idempotencyKey: newIdempotencyKey() }));
    } finally {
      creating.value = false;
    }
  }

  async function withPending(
    id: string,
    action: VmAction,
    work: (idempotencyKey: string) => Promise<VmOperationResult>,
  ): Promise<VmOperationResult | null> {
    if (pending.value.has(id)) return null;
    pending.value.set(id, action);
    try {
      return accept(await work(newIdempotencyKey()));
    } finally {
      pending.value.delete(id);
    }
  }

  /** Resolves to null when another action on this VM is still being sent from this tab. */
  function act(id: string, action: VmPowerAction): Promise<VmOperationResult | null> {
    return withPending(id, action, (idempotencyKey) => vmsApi.vmAction(id, action, { idempotencyKey }));
  }

  function remove(id: string): Promise<VmOperationResult | null> {
    return withPending(id, 'delete', (idempotencyKey) => vmsApi.deleteVm(id, { idempotencyKey }));
  }

  function resize(id: string, body: ResizeVmBody): Promise<VmOperationResult | null> {
    return withPending(id, 'resize', (idempotencyKey) => vmsApi.resizeVm(id, body, { idempotencyKey }));
  }

  async function fetchSnapshots(id: string): Promise<VmSnapshot[]> {
    snapshotsLoading.value.add(id);
    try {
      const items = await vmsApi.listSnapshots(id);
      snapshots.value.set(id, items);
      return items;
    } finally {
      snapshotsLoading.value.delete(id);
    }
  }

  /** Take, revert to or delete a snapshot; resolves to null when another action on this VM is being sent. */
  async function snapshot(id: string, action: SnapshotAction, name: string): Promise<VmOperationResult | null> {
    if (pending.value.has(id)) return null;
    pendingSnapshot.value.set(id, name);
    try {
      return await withPending(id, action, (idempotencyKey) => {
        if (action === 'snapshot-create') return vmsApi.createSnapshot(id, name, { idempotencyKey });
        if (action === 'snapshot-revert') return vmsApi.revertSnapshot(id, name, { idempotencyKey });
        return vmsApi.deleteSnapshot(id, name, { idempotencyKey });
      });
    } finally {
      pendingSnapshot.value.delete(id);
    }
  }

  function reset(): void {
    items.value = [];
    loaded.value = false;
    current.value = null;
    operations.value = new Map();
    lastOperationOf.value = new Map();
    snapshots.value = new Map();
    pendingSnapshot.value = new Map();
    changedAt.clear();
  }

  return {
    items,
    loaded,
    loading,
    refreshing,
    current,
    currentLoading,
    creating,
    pending,
    operations,
    lastOperationOf,
    snapshots,
    snapshotsLoading,
    pendingSnapshot,
    fetch,
    fetchOne,
    fetchOperation,
    create,
    act,
    remove,
    resize,
    fetchSnapshots,
    snapshot,
    reset,
  };
});
