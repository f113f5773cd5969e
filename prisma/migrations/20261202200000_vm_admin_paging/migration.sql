-- The admin VM list pages newest first by (createdAt, id): an index walk, not a sort of every VM.
CREATE INDEX `Vm_createdAt_id_idx` ON `Vm`(`createdAt`, `id`);
