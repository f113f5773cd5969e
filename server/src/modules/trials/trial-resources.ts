// What the trial ladder does to a user's resources, kind by kind. Each resource kind (VMs now;
// containers, tunnels, volumes, buckets as they land) plugs in its own stop, resume and delete;
// the ladder only decides when. A kind's functions must be safe to call again (a retry, a tick
// that overlaps another): stop what runs, start what the trial stop stopped, delete what is left.

export interface TrialResourceKind {
  /** 'vm', 'container', 'tunnel', 'volume', 'bucket' ... */
  kind: string;
  /** Deletion runs in this order, a kind only once every earlier one is gone: compute and
   *  tunnels first, networks after them, volumes and buckets last. */
  deleteOrder: number;
  /** Stops (or closes) whatever of the user's runs; returns how many it stopped now. */
  stopAll(userId: string): Promise<number>;
  /** After an extension: starts again what the trial stop stopped; returns how many. */
  resumeAll(userId: string): Promise<number>;
  /** Starts deleting what is left; returns how many still exist (being deleted included). */
  deleteAll(userId: string): Promise<number>;
  /** Owners whose trial ended at or before `at` and who still have something running (a stop that
   *  could not happen at once because the resource was busy), so the ladder stops them again. */
  ownersStillRunning(at: Date): Promise<string[]>;
}

const kinds = new Map<string, TrialResourceKind>();

export function registerTrialResource(kind: TrialResourceKind): void {
  kinds.set(kind.kind, kind);
}

export const trialResourceKinds = (): TrialResourceKind[] => [...kinds.values()].sort((a, b) => a.deleteOrder - b.deleteOrder);
