-- One open finding per (host, kind, object), enforced by the database: a check-then-insert let
-- the scheduled reconcile and "reconcile now" (or two server processes) both record one.
-- Findings open before this keep a NULL key (recordFinding still looks for them first).
ALTER TABLE `Finding` ADD COLUMN `openKey` VARCHAR(160) NULL;
CREATE UNIQUE INDEX `Finding_openKey_key` ON `Finding`(`openKey`);
