import { defineStore } from 'pinia';
import { ref } from 'vue';
import { newIdempotencyKey } from '@/api/client';
import * as vmsApi from '@/api/vms';
import type { CreateVmBody, Operation, ResizeVmBody, Vm, VmOperationResult, VmPowerAction, VmSnapshot } from '@/api/types';
import { exclusive, usePendingActions, useSyncedList } from './store-helpers';

/** What a VM has in flight from this tab; one at a time per VM, so each button shows its own spinner. */
export type VmAction = VmPowerAction | 'delete' | 'resize' | 'nic-attach' | 'nic-detach' | SnapshotAction;
export type SnapshotAction = 'snapshot-create' | 'snapshot-revert' | 'snapshot-delete';

export const useVmsStore = defineStore('vms', () => {
  /** The VM of the detail page. */
  const current = ref<Vm | null>(null);
  const currentLoading = ref(false);
  const creating = ref(false);
  const { pending, run } = usePendingActions<VmAction>();
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
  /** The list, kept in step with the server as in the hosts store (local changes win over older answers). */
  const list = useSyncedList(() => vmsApi.listVms(), {
    onLoaded: (vms) => {
      for (const vm of vms) if (vm.currentOperationId) lastOperationOf.value.set(vm.id, vm.currentOperationId);
    },
  });
  const { items, loaded, loading, refreshing, fetch } = list;

  function remember(vm: Vm): void {
    list.remember(vm);
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
  function create(body: CreateVmBody): Promise<VmOperationResult | null> {
    return exclusive(creating, async () => accept(await vmsApi.createVm(body, { idempotencyKey: newIdempotencyKey() })));
  }

  /** Starts an operation on the VM; null while another action on it is still being sent. */
  function withPending(
    id: string,
    action: VmAction,
    work: (idempotencyKey: string) => Promise<VmOperationResult>,
  ): Promise<VmOperationResult | null> {
    return run(id, action, async (idempotencyKey) => accept(await work(idempotencyKey)));
  }

  /** Resolves to null when another action on this VM is still being sent from this tab. */
  function act(id: string, action: VmPowerAction): Promise<VmOperationResult | null> {
    return withPending(id, action, (idempotencyKey) => vmsApi.vmAction(id, action, { idempotencyKey }));
  }

  /** Deletes the VM; its attached volumes are kept (detached) unless `volumes` is 'delete'. */
  function remove(id: string, volumes: 'keep' | 'delete' = 'keep'): Promise<VmOperationResult | null> {
    return withPending(id, 'delete', (idempotencyKey) => vmsApi.deleteVm(id, { idempotencyKey }, volumes));
  }

  function resize(id: string, body: ResizeVmBody): Promise<VmOperationResult | null> {
    return withPending(id, 'resize', (idempotencyKey) => vmsApi.resizeVm(id, body, { idempotencyKey }));
  }

  /** Puts the stopped VM on one more network / takes it off one; null while another action on it is being sent. */
  function attachNic(id: string, networkId: string): Promise<VmOperationResult | null> {
    return withPending(id, 'nic-attach', (idempotencyKey) => vmsApi.attachNic(id, networkId, { idempotencyKey }));
  }
  function detachNic(id: string, nicId: string): Promise<VmOperationResult | null> {
    return withPending(id, 'nic-detach', (idempotencyKey) => vmsApi.detachNic(id, nicId, { idempotencyKey }));
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
    list.clear();
    current.value = null;
    operations.value = new Map();
    lastOperationOf.value = new Map();
    snapshots.value = new Map();
    pendingSnapshot.value = new Map();
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
    attachNic,
    detachNic,
    fetchSnapshots,
    snapshot,
    reset,
  };
});
