import type { ContainerState } from '@/api/containers';

type TagType = 'success' | 'warning' | 'info' | 'danger' | 'primary';

const TRANSITIONAL: ReadonlySet<ContainerState> = new Set(['creating', 'starting', 'stopping', 'restarting', 'deleting']);

export const isContainerTransitional = (s: ContainerState) => TRANSITIONAL.has(s);

export function containerStateType(s: ContainerState): TagType {
  if (s === 'running') return 'success';
  if (s === 'error') return 'danger';
  if (TRANSITIONAL.has(s)) return 'warning';
  return 'info';
}

/** What the page offers for a container in this state (the server refuses the rest). */
export function containerActionsFor(s: ContainerState): { start: boolean; stop: boolean; restart: boolean; remove: boolean } {
  return { start: s === 'stopped' || s === 'error', stop: s === 'running', restart: s === 'running' || s === 'stopped', remove: s === 'running' || s === 'stopped' || s === 'error' };
}

/** KEY=value per line (blank lines ignored) into an object; null when a line is not KEY=value. */
export function parseEnv(text: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) return null;
    out[m[1]!] = m[2]!;
  }
  return out;
}
