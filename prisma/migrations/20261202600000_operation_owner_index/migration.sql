-- A person's activity page lists their operations newest first.
CREATE INDEX `Operation_ownerId_createdAt_idx` ON `Operation`(`ownerId`, `createdAt`);
