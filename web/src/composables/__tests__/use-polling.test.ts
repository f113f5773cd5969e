import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope, nextTick, ref } from 'vue';
import { usePolling } from '../use-polling';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** A task whose runs finish only when the test says so. */
function controllableTask() {
  const resolvers: Array<() => void> = [];
  const task = vi.fn(() => new Promise<void>((resolve) => resolvers.push(resolve)));
  const finishLast = async () => {
    resolvers.at(-1)?.();
    await Promise.resolve();
    await Promise.resolve();
  };
  return { task, finishLast };
}

describe('usePolling', () => {
  it('runs every interval while the condition holds and stops when it no longer does', async () => {
    const busy = ref(true);
    const task = vi.fn(async () => undefined);
    const scope = effectScope();
    const polling = scope.run(() => usePolling(task, { intervalMs: 3000, while: busy }))!;

    expect(polling.active.value).toBe(true);
    expect(task).not.toHaveBeenCalled(); // not immediate: the page has just loaded
    await vi.advanceTimersByTimeAsync(2999);
    expect(task).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(task).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(task).toHaveBeenCalledTimes(2);

    busy.value = false;
    expect(polling.active.value).toBe(false);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(task).toHaveBeenCalledTimes(2);

    busy.value = true;
    await vi.advanceTimersByTimeAsync(3000);
    expect(task).toHaveBeenCalledTimes(3);
    scope.stop();
  });

  it('does not start when the condition is false at first', async () => {
    const task = vi.fn();
    const scope = effectScope();
    const polling = scope.run(() => usePolling(task, { intervalMs: 1000, while: () => false }))!;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(task).not.toHaveBeenCalled();
    expect(polling.active.value).toBe(false);
    scope.stop();
  });

  it('stops when its scope (the component) goes away', async () => {
    const task = vi.fn();
    const scope = effectScope();
    scope.run(() => usePolling(task, { intervalMs: 1000, while: () => true }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(task).toHaveBeenCalledTimes(1);
    scope.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(task).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('times the next run from the end of a slow one, so requests never pile up', async () => {
    const { task, finishLast } = controllableTask();
    const scope = effectScope();
    scope.run(() => usePolling(task, { intervalMs: 1000, while: () => true }));

    await vi.advanceTimersByTimeAsync(1000);
    expect(task).toHaveBeenCalledTimes(1);
    // The answer takes 5 s: no second request meanwhile.
    await vi.advanceTimersByTimeAsync(5000);
    expect(task).toHaveBeenCalledTimes(1);
    await finishLast();
    await vi.advanceTimersByTimeAsync(999);
    expect(task).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(task).toHaveBeenCalledTimes(2);
    scope.stop();
  });

  it('does not start a second chain when stopped and restarted while a run is in flight', async () => {
    const { task, finishLast } = controllableTask();
    const on = ref(true);
    const scope = effectScope();
    scope.run(() => usePolling(task, { intervalMs: 1000, while: on }));

    await vi.advanceTimersByTimeAsync(1000);
    expect(task).toHaveBeenCalledTimes(1);
    on.value = false;
    on.value = true; // a new chain starts: next run in 1 s
    await finishLast(); // the old run ends now and must not schedule its own next run
    await vi.advanceTimersByTimeAsync(1000);
    expect(task).toHaveBeenCalledTimes(2);
    expect(vi.getTimerCount()).toBe(0); // the new chain's run is in flight, nothing else is queued
    scope.stop();
  });

  it('keeps polling after a failed run and reports the error', async () => {
    const onError = vi.fn();
    let calls = 0;
    const task = vi.fn(async () => {
      calls += 1;
      if (calls === 1) throw new Error('network down');
    });
    const scope = effectScope();
    scope.run(() => usePolling(task, { intervalMs: 1000, while: () => true, onError }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'network down' }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(task).toHaveBeenCalledTimes(2);
    scope.stop();
  });

  it('runs at once when asked to, and can be driven by start() and stop()', async () => {
    const task = vi.fn();
    const scope = effectScope();
    const polling = scope.run(() => usePolling(task, { intervalMs: 1000, immediate: true }))!;
    expect(polling.active.value).toBe(false);
    polling.start();
    await nextTick();
    expect(task).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(task).toHaveBeenCalledTimes(2);
    polling.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(task).toHaveBeenCalledTimes(2);
    scope.stop();
  });

  it('skips runs while the tab is hidden and resumes when it is visible', async () => {
    const task = vi.fn();
    let visibility: 'visible' | 'hidden' = 'hidden';
    vi.stubGlobal('document', {
      get visibilityState() {
        return visibility;
      },
    });
    try {
      const scope = effectScope();
      scope.run(() => usePolling(task, { intervalMs: 1000, while: () => true }));
      await vi.advanceTimersByTimeAsync(3000);
      expect(task).not.toHaveBeenCalled();
      visibility = 'visible';
      await vi.advanceTimersByTimeAsync(1000);
      expect(task).toHaveBeenCalledTimes(1);
      scope.stop();
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
