-- CreateTable
CREATE TABLE `Template` (
    `id` CHAR(36) NOT NULL,
    `name` VARCHAR(63) NOT NULL,
    `osLabel` VARCHAR(80) NOT NULL,
    `zone` VARCHAR(63) NOT NULL DEFAULT 'default',
    `imagePath` VARCHAR(255) NOT NULL,
    `defaultDiskGiB` INTEGER NOT NULL,
    `maxDiskGiB` INTEGER NOT NULL,
    `minMemoryMiB` INTEGER NOT NULL,
    `enabled` BOOLEAN NOT NULL DEFAULT true,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updatedAt` DATETIME(3) NOT NULL,

    UNIQUE INDEX `Template_name_key`(`name`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Vm` (
    `id` CHAR(36) NOT NULL,
    `ownerId` CHAR(36) NOT NULL,
    `name` VARCHAR(63) NOT NULL,
    `activeName` VARCHAR(63) NULL,
    `templateId` CHAR(36) NULL,
    `templateName` VARCHAR(63) NOT NULL,
    `hostId` CHAR(36) NULL,
    `state` ENUM('creating', 'starting', 'running', 'stopping', 'stopped', 'rebooting', 'deleting', 'error', 'deleted') NOT NULL DEFAULT 'creating',
    `vcpus` INTEGER NOT NULL,
    `memoryMiB` INTEGER NOT NULL,
    `diskGiB` INTEGER NOT NULL,
    `creditsPerHour` INTEGER NOT NULL,
    `quotaHeld` BOOLEAN NOT NULL DEFAULT true,
    `domainName` VARCHAR(80) NOT NULL,
    `sshPublicKey` TEXT NULL,
    `lastError` VARCHAR(1000) NULL,
    `currentOperationId` CHAR(36) NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updatedAt` DATETIME(3) NOT NULL,
    `deletedAt` DATETIME(3) NULL,

    UNIQUE INDEX `Vm_domainName_key`(`domainName`),
    INDEX `Vm_hostId_state_idx`(`hostId`, `state`),
    INDEX `Vm_templateId_idx`(`templateId`),
    UNIQUE INDEX `Vm_ownerId_activeName_key`(`ownerId`, `activeName`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Operation` (
    `id` CHAR(36) NOT NULL,
    `kind` VARCHAR(32) NOT NULL,
    `targetType` VARCHAR(32) NOT NULL,
    `targetId` CHAR(36) NOT NULL,
    `ownerId` CHAR(36) NULL,
    `state` ENUM('pending', 'running', 'succeeded', 'failed', 'compensated') NOT NULL DEFAULT 'pending',
    `steps` JSON NOT NULL,
    `input` JSON NOT NULL,
    `error` VARCHAR(2000) NULL,
    `attempts` INTEGER NOT NULL DEFAULT 0,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `startedAt` DATETIME(3) NULL,
    `finishedAt` DATETIME(3) NULL,

    INDEX `Operation_targetType_targetId_idx`(`targetType`, `targetId`),
    INDEX `Operation_state_idx`(`state`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Finding` (
    `id` CHAR(36) NOT NULL,
    `kind` VARCHAR(32) NOT NULL,
    `hostId` CHAR(36) NOT NULL,
    `vmId` CHAR(36) NULL,
    `domainName` VARCHAR(80) NOT NULL,
    `message` VARCHAR(1000) NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `resolvedAt` DATETIME(3) NULL,

    INDEX `Finding_resolvedAt_createdAt_idx`(`resolvedAt`, `createdAt`),
    INDEX `Finding_hostId_domainName_kind_idx`(`hostId`, `domainName`, `kind`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `Vm` ADD CONSTRAINT `Vm_ownerId_fkey` FOREIGN KEY (`ownerId`) REFERENCES `User`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `Vm` ADD CONSTRAINT `Vm_templateId_fkey` FOREIGN KEY (`templateId`) REFERENCES `Template`(`id`) ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `Vm` ADD CONSTRAINT `Vm_hostId_fkey` FOREIGN KEY (`hostId`) REFERENCES `Host`(`id`) ON DELETE SET NULL ON UPDATE CASCADE;
