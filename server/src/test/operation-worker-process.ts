// A worker in its own process, so a test can kill it with SIGKILL mid-operation (a crash),
// exactly as a server instance would die.
// CAMPUS_TEST_CRASH_BEFORE=<kind>:<step> makes the process die (SIGKILL, itself) the moment that
// step begins: the journal then shows every earlier step done and this one running, whatever
// the machine's speed (a test polling for a window between two steps can miss it under load).
import { operationDefinition, startOperationWorker } from '../platform/operations/operations.js';
import '../modules/vms/vm-operations.js';
import '../modules/vms/vm-changes.js';
import '../modules/containers/container-operations.js';

const crashBefore = process.env.CAMPUS_TEST_CRASH_BEFORE;
if (crashBefore) {
  const [kind, stepName] = crashBefore.split(':');
  const step = operationDefinition(kind!)?.steps.find((s) => s.name === stepName);
  if (!step) throw new Error(`CAMPUS_TEST_CRASH_BEFORE names no step: ${crashBefore}`);
  step.run = async () => {
    process.kill(process.pid, 'SIGKILL');
    await new Promise(() => {});
  };
}

startOperationWorker({ concurrency: 4 });
console.log('worker ready');
