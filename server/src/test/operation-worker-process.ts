// A worker in its own process, so a test can kill it with SIGKILL mid-operation (a crash),
// exactly as a server instance would die.
import { startOperationWorker } from '../platform/operations/operations.js';
import '../modules/vms/vm-operations.js';
import '../modules/vms/vm-changes.js';
import '../modules/containers/container-operations.js';

startOperationWorker({ concurrency: 4 });
console.log('worker ready');
