import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { fingerprintOfPublicKeyLine } from '../ssh/host-key.js';
import type { SshTarget } from '../ssh/ssh-connection.js';

// The lab's real hypervisor hosts (scripts/lab/lab up 2), as integration tests see them.
// A missing or empty hosts.json fails the test file with a message that says what to do.

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const LAB_HOSTS_FILE = `${repoRoot}.data/lab/hosts.json`;
export const PLATFORM_KEY_FILE = `${repoRoot}.data/ssh/id_ed25519`;

const labHostSchema = z.object({
  name: z.string(),
  address: z.string(),
  port: z.number().int(),
  user: z.string(),
  imageDir: z.string(),
  baseImage: z.string(),
  kernel: z.string(),
  initrd: z.string(),
  ovsBridge: z.string(),
  guestNetwork: z.string(),
  hostKey: z.string(),
});

export type LabHost = z.infer<typeof labHostSchema> & { target: SshTarget; pinnedTarget: SshTarget; hostKeySha256: string };

export function labHosts(minimum = 2): LabHost[] {
  let text: string;
  try {
    text = readFileSync(LAB_HOSTS_FILE, 'utf8');
  } catch {
    throw new Error(`The lab hosts are not up: ${LAB_HOSTS_FILE} is missing. Start them with "scripts/lab/lab up 2" (as root), then run the integration tests again.`);
  }
  const parsed = z.array(labHostSchema).safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${LAB_HOSTS_FILE} is not a list of lab hosts: ${parsed.error.message}`);
  if (parsed.data.length < minimum) {
    throw new Error(`The driver tests need ${minimum} lab hosts but ${LAB_HOSTS_FILE} lists ${parsed.data.length}. Run "scripts/lab/lab up ${minimum}".`);
  }
  return parsed.data.map((h) => {
    const hostKeySha256 = fingerprintOfPublicKeyLine(h.hostKey);
    const target = { address: h.address, port: h.port, user: h.user };
    return { ...h, hostKeySha256, target, pinnedTarget: { ...target, hostKeySha256 } };
  });
}

export function platformKey(): Buffer {
  try {
    return readFileSync(PLATFORM_KEY_FILE);
  } catch {
    throw new Error(`The platform SSH key ${PLATFORM_KEY_FILE} is missing; the lab installs its public half on every lab host.`);
  }
}

/** A short random suffix so parallel runs never collide on host-side names. */
export const uniqueSuffix = () => Math.random().toString(36).slice(2, 8);
