import { db } from '../../platform/db.js';
import { AppError, errors } from '../../platform/errors.js';
import { isDriverError } from '../../drivers/driver-errors.js';
import { driversFor } from '../hosts/host-connections.js';
import { vmFilePaths } from '../vms/vm-operations.js';
import { SERIAL_LOG_DEFAULT_BYTES, SERIAL_LOG_MAX_BYTES, type SerialLogDto } from './console.schemas.js';

// The guest's serial console as text, for a guest whose screen is blank: virtlogd appends
// everything the guest writes to ttyS0 to a file beside its disk (domain-xml.ts `serialLog`);
// this reads its tail over SSH. VMs defined before that have no file: `available: false`.

// CSI/OSC escape sequences (colours, cursor moves) and the remaining control characters but
// tab and newline: what a terminal would act on, not show.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-Z\\-_])/g;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** A serial console's bytes as lines to show: CRLF and lone CRs become newlines, escapes and controls go. */
export function serialText(raw: string): string {
  return raw.replace(ESCAPES, '').replace(/\r\n?/g, '\n').replace(CONTROLS, '');
}

/** The tail of the VM's serial log: its owner's or an administrator's; anyone else is told it does not exist. */
export async function readSerialLog(principal: { userId: string; role: string }, vmId: string, maxBytes = SERIAL_LOG_DEFAULT_BYTES): Promise<SerialLogDto> {
  const vm = await db.vm.findFirst({
    where: { id: vmId, state: { not: 'deleted' }, ...(principal.role === 'admin' ? {} : { ownerId: principal.userId }) },
    include: { host: true },
  });
  if (!vm) throw errors.notFound('VM');
  if (!vm.host) return { vmName: vm.name, available: false, text: '', truncated: false };
  const { hypervisor } = await driversFor(vm.host);
  const tail = await hypervisor.readFileTail(vmFilePaths(vm.host.imageDir, vm.domainName).serialLog, Math.min(maxBytes, SERIAL_LOG_MAX_BYTES))
    .catch((e: unknown) => {
      // The host did not answer (or refused): said in words, not a 500; the details are the logs'.
      if (isDriverError(e)) throw new AppError('SERVICE_UNAVAILABLE', `${vm.name}'s serial log cannot be read now: ${e.userMessage}`);
      throw e;
    });
  if (!tail) return { vmName: vm.name, available: false, text: '', truncated: false };
  return { vmName: vm.name, available: true, text: serialText(tail.text), truncated: tail.truncated };
}
