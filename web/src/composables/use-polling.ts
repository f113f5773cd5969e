import { getCurrentScope, onScopeDispose, readonly, ref, watch, type Ref, type WatchSource } from 'vue';

export interface PollingOptions {
  /** Pause between the end of one run and the start of the next. */
  intervalMs: number;
  /** Poll only while this is true: starts and stops with it. Without it, call start() / stop(). */
  while?: WatchSource<boolean>;
  /** Run the task as soon as polling starts, not one interval later (default false: the caller has just loaded). */
  immediate?: boolean;
  /** Skip runs while the tab is hidden; the next visible one catches up (default true). */
  pauseWhenHidden?: boolean;
  /** A failed run; polling goes on. */
  onError?: (error: unknown) => void;
}

export interface Polling {
  /** True while polling is on (between start and stop). */
  active: Readonly<Ref<boolean>>;
  start(): void;
  stop(): void;
}

const isHidden = () => typeof document !== 'undefined' && document.visibilityState === 'hidden';

/**
 * Runs `task` every `intervalMs` while polling is on. The next run is timed from the end of the
 * previous one, so a slow answer never stacks requests. Stops when the calling component (or
 * effect scope) goes away.
 */
export function usePolling(task: () => unknown, options: PollingOptions): Polling {
  const active = ref(false);
  const pauseWhenHidden = options.pauseWhenHidden ?? true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Each start/stop begins a new generation; a run that finishes after a stop (or a stop and a
  // new start) must not schedule a second chain of timers.
  let generation = 0;

  function schedule(gen: number): void {
    clearTimeout(timer);
    timer = setTimeout(() => void run(gen), options.intervalMs);
  }

  async function run(gen: number): Promise<void> {
    if (gen !== generation || !active.value) return;
    if (!(pauseWhenHidden && isHidden())) {
      try {
        await task();
      } catch (error) {
        options.onError?.(error);
      }
    }
    if (gen === generation && active.value) schedule(gen);
  }

  function start(): void {
    if (active.value) return;
    active.value = true;
    const gen = ++generation;
    if (options.immediate) void run(gen);
    else schedule(gen);
  }

  function stop(): void {
    generation += 1;
    active.value = false;
    clearTimeout(timer);
    timer = undefined;
  }

  if (options.while !== undefined) {
    // Synchronous, so a state change turns polling on or off at once (not at the next render).
    watch(options.while, (on) => (on ? start() : stop()), { immediate: true, flush: 'sync' });
  }
  if (getCurrentScope()) onScopeDispose(stop);

  return { active: readonly(active), start, stop };
}
