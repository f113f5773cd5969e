-- AlterTable: API tokens get a scope; existing tokens keep what they could do (full).
ALTER TABLE `ApiToken` ADD COLUMN `scope` ENUM('read', 'full') NOT NULL DEFAULT 'full';
