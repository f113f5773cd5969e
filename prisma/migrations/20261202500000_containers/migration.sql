-- AlterTable
ALTER TABLE `Quota` ADD COLUMN `maxContainers` INTEGER NOT NULL DEFAULT 3,
    ADD COLUMN `usedContainers` INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN `usedCpuMillis` INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE `ContainerTemplate` (
    `id` CHAR(36) NOT NULL,
    `name` VARCHAR(63) NOT NULL,
    `imageRef` VARCHAR(255) NOT NULL,
    `description` VARCHAR(500) NOT NULL DEFAULT '',
    `command` JSON NULL,
    `minMemoryMiB` INTEGER NOT NULL,
    `ports` JSON NOT NULL,
    `zone` VARCHAR(63) NOT NULL DEFAULT 'default',
    `enabled` BOOLEAN NOT NULL DEFAULT true,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updatedAt` DATETIME(3) NOT NULL,

    UNIQUE INDEX `ContainerTemplate_name_key`(`name`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Container` (
    `id` CHAR(36) NOT NULL,
    `ownerId` CHAR(36) NOT NULL,
    `name` VARCHAR(63) NOT NULL,
    `activeName` VARCHAR(63) NULL,
    `templateId` CHAR(36) NULL,
    `templateName` VARCHAR(63) NOT NULL,
    `imageRef` VARCHAR(255) NOT NULL,
    `hostId` CHAR(36) NULL,
    `state` ENUM('creating', 'starting', 'running', 'stopping', 'stopped', 'restarting', 'deleting', 'error', 'deleted') NOT NULL DEFAULT 'creating',
    `cpuMillis` INTEGER NOT NULL,
    `memoryMiB` INTEGER NOT NULL,
    `volumeGiB` INTEGER NOT NULL,
    `env` JSON NOT NULL,
    `command` JSON NULL,
    `creditsPerHour` INTEGER NOT NULL,
    `billedHours` INTEGER NOT NULL DEFAULT 1,
    `quotaHeld` BOOLEAN NOT NULL DEFAULT true,
    `dockerName` VARCHAR(80) NOT NULL,
    `lastError` VARCHAR(1000) NULL,
    `currentOperationId` CHAR(36) NULL,
    `stoppedReason` VARCHAR(16) NULL,
    `stoppedAt` DATETIME(3) NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updatedAt` DATETIME(3) NOT NULL,
    `deletedAt` DATETIME(3) NULL,

    UNIQUE INDEX `Container_dockerName_key`(`dockerName`),
    INDEX `Container_hostId_state_idx`(`hostId`, `state`),
    INDEX `Container_templateId_idx`(`templateId`),
    INDEX `Container_ownerId_stoppedReason_idx`(`ownerId`, `stoppedReason`),
    UNIQUE INDEX `Container_ownerId_activeName_key`(`ownerId`, `activeName`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `Container` ADD CONSTRAINT `Container_ownerId_fkey` FOREIGN KEY (`ownerId`) REFERENCES `User`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `Container` ADD CONSTRAINT `Container_templateId_fkey` FOREIGN KEY (`templateId`) REFERENCES `ContainerTemplate`(`id`) ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `Container` ADD CONSTRAINT `Container_hostId_fkey` FOREIGN KEY (`hostId`) REFERENCES `Host`(`id`) ON DELETE SET NULL ON UPDATE CASCADE;
