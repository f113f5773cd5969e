-- AlterTable: an operation's error is two texts: `error`, a sentence for the person who asked
-- (no host address, command or stderr) with the operation id as a reference, and
-- `errorDetail`, what administrators see (host, command, exit code, stderr).
ALTER TABLE `Operation` ADD COLUMN `errorDetail` VARCHAR(2000) NULL;
