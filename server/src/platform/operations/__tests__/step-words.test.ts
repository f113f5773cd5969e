import { describe, expect, it } from 'vitest';
import en from '../../../../../web/src/i18n/en.js';
import { operationDefinitions } from '../operations.js';
// Every module that defines operations (the registry fills as they load).
import '../../../modules/vms/vm-operations.js';
import '../../../modules/vms/vm-changes.js';
import '../../../modules/vms/vm-snapshots.js';
import '../../../modules/vms/vm-nics.js';
import '../../../modules/volumes/volume-operations.js';
import '../../../modules/volumes/volume-snapshots.js';
import '../../../modules/networks/network-operations.js';
import '../../../modules/containers/container-operations.js';
import '../../../modules/images/image-import.js';

// The SPA shows each operation's kind and steps in words (en; zh-CN must have the same keys,
// its type says so): a new step without words would show its code name ("ports") to users.
describe('operation words', () => {
  const defs = operationDefinitions();

  it('finds the operations', () => {
    expect(defs.map((d) => d.kind)).toEqual(expect.arrayContaining(['vm.create', 'container.create', 'network.create', 'volume.create']));
  });

  it('has words for every kind and every step', () => {
    // vue-i18n reads a key's dots as a path: operations.kinds.vm.create.
    const words = (path: string[]): unknown => path.reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], en.operations);
    const missingKinds = defs.map((d) => d.kind).filter((k) => typeof words(['kinds', ...k.split('.')]) !== 'string');
    const stepNames = [...new Set(defs.flatMap((d) => d.steps.map((s) => s.name)))];
    const missingSteps = stepNames.filter((s) => typeof words(['steps', s]) !== 'string');
    expect({ missingKinds, missingSteps }).toEqual({ missingKinds: [], missingSteps: [] });
  });
});
