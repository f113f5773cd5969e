import { defineStore } from 'pinia';
import { ref } from 'vue';
import { newIdempotencyKey } from '@/api/client';
import * as containersApi from '@/api/containers';
import type { Container, ContainerAction, ContainerOperationResult, ContainerTemplate, CreateContainerBody } from '@/api/containers';
import { exclusive, usePendingActions, useSyncedList } from './store-helpers';

export type ContainerPending = ContainerAction | 'delete';

export const useContainersStore = defineStore('containers', () => {
  const current = ref<Container | null>(null);
  const templates = ref<ContainerTemplate[]>([]);
  const creating = ref(false);
  const { pending, run } = usePendingActions<ContainerPending>();
  /** Container id -> the last operation this tab started or saw on it. */
  const lastOperationOf = ref<Map<string, string>>(new Map());
  const list = useSyncedList(() => containersApi.listContainers(), {
    onLoaded: (items) => {
      for (const c of items) if (c.currentOperationId) lastOperationOf.value.set(c.id, c.currentOperationId);
    },
  });
  const { items, loaded, loading, refreshing, fetch } = list;

  function remember(c: Container): void {
    list.remember(c);
    if (current.value?.id === c.id) current.value = c;
    if (c.currentOperationId) lastOperationOf.value.set(c.id, c.currentOperationId);
  }

  function accept(result: ContainerOperationResult): ContainerOperationResult {
    lastOperationOf.value.set(result.container.id, result.operation.id);
    remember(result.container);
    return result;
  }

  async function fetchOne(id: string): Promise<Container> {
    const c = await containersApi.getContainer(id);
    current.value = c;
    remember(c);
    if (!lastOperationOf.value.has(id)) {
      const [latest] = await containersApi.listContainerOperations(id);
      if (latest) lastOperationOf.value.set(id, latest.id);
    }
    return c;
  }

  async function fetchTemplates(): Promise<ContainerTemplate[]> {
    templates.value = await containersApi.listContainerTemplates();
    return templates.value;
  }

  /** One key per submit, reused if the same submit is retried; null when a create is already running. */
  function create(body: CreateContainerBody, idempotencyKey = newIdempotencyKey()): Promise<ContainerOperationResult | null> {
    return exclusive(creating, async () => accept(await containersApi.createContainer(body, { idempotencyKey })));
  }

  function action(c: Container, what: ContainerAction): Promise<ContainerOperationResult | null> {
    return run(c.id, what, async (idempotencyKey) => accept(await containersApi.containerAction(c.id, what, { idempotencyKey })));
  }

  function remove(c: Container): Promise<ContainerOperationResult | null> {
    return run(c.id, 'delete', async (idempotencyKey) => accept(await containersApi.deleteContainer(c.id, { idempotencyKey })));
  }

  return { current, templates, creating, pending, lastOperationOf, items, loaded, loading, refreshing, fetch, fetchOne, fetchTemplates, create, action, remove };
});
