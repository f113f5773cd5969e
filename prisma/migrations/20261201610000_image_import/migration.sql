-- AlterTable: imported templates (an image in the platform's images bucket, copied to hosts)
-- and personal templates (names unique per owner; public names unique among themselves).
ALTER TABLE `Template` DROP INDEX `Template_name_key`,
    ADD COLUMN `nameScope` VARCHAR(36) NOT NULL DEFAULT 'public',
    ADD COLUMN `ownerId` CHAR(36) NULL,
    ADD COLUMN `status` ENUM('uploading', 'importing', 'ready', 'failed') NOT NULL DEFAULT 'ready',
    ADD COLUMN `statusReason` VARCHAR(1000) NULL,
    ADD COLUMN `sourceKey` VARCHAR(1024) NULL,
    ADD COLUMN `format` VARCHAR(8) NULL,
    ADD COLUMN `sizeBytes` BIGINT NULL,
    ADD COLUMN `checksumSha256` CHAR(64) NULL;

-- CreateIndex
CREATE UNIQUE INDEX `Template_nameScope_name_key` ON `Template`(`nameScope`, `name`);

-- CreateIndex
CREATE INDEX `Template_ownerId_idx` ON `Template`(`ownerId`);

-- CreateTable
CREATE TABLE `TemplateHost` (
    `templateId` CHAR(36) NOT NULL,
    `hostId` CHAR(36) NOT NULL,
    `path` VARCHAR(255) NOT NULL,
    `state` ENUM('copying', 'ready', 'failed') NOT NULL DEFAULT 'copying',
    `error` VARCHAR(1000) NULL,
    `updatedAt` DATETIME(3) NOT NULL,

    INDEX `TemplateHost_hostId_idx`(`hostId`),
    PRIMARY KEY (`templateId`, `hostId`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AlterTable
ALTER TABLE `ObjectUpload` ADD COLUMN `counted` BOOLEAN NOT NULL DEFAULT true;

-- AddForeignKey
ALTER TABLE `Template` ADD CONSTRAINT `Template_ownerId_fkey` FOREIGN KEY (`ownerId`) REFERENCES `User`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `TemplateHost` ADD CONSTRAINT `TemplateHost_templateId_fkey` FOREIGN KEY (`templateId`) REFERENCES `Template`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `TemplateHost` ADD CONSTRAINT `TemplateHost_hostId_fkey` FOREIGN KEY (`hostId`) REFERENCES `Host`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
