-- Block storage: libvirt dir pools per host (an admin defines them; the probe fills in
-- capacity, free space and health in words), volumes placed in a pool and attached to at most
-- one VM of its host, and volume snapshots (qcow2 internal, inside the volume's file).
CREATE TABLE `StoragePool` (
    `id` CHAR(36) NOT NULL,
    `hostId` CHAR(36) NOT NULL,
    `name` VARCHAR(63) NOT NULL,
    `path` VARCHAR(255) NOT NULL,
    `status` ENUM('pending', 'ready', 'error') NOT NULL DEFAULT 'pending',
    `statusReason` VARCHAR(1000) NULL,
    `capacityBytes` BIGINT NULL,
    `freeBytes` BIGINT NULL,
    `reserveGiB` INTEGER NOT NULL,
    `probedAt` DATETIME(3) NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `StoragePool_hostId_name_key`(`hostId`, `name`),
    UNIQUE INDEX `StoragePool_hostId_path_key`(`hostId`, `path`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE `Volume` (
    `id` CHAR(36) NOT NULL,
    `ownerId` CHAR(36) NOT NULL,
    `name` VARCHAR(63) NOT NULL,
    `activeName` VARCHAR(63) NULL,
    `poolId` CHAR(36) NOT NULL,
    `sizeGiB` INTEGER NOT NULL,
    `state` ENUM('creating', 'ready', 'error', 'deleting', 'deleted') NOT NULL DEFAULT 'creating',
    `vmId` CHAR(36) NULL,
    `device` VARCHAR(16) NULL,
    `quotaHeld` BOOLEAN NOT NULL DEFAULT true,
    `creditsPerHour` INTEGER NOT NULL,
    `billedHours` INTEGER NOT NULL DEFAULT 1,
    `currentOperationId` CHAR(36) NULL,
    `lastError` VARCHAR(1000) NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updatedAt` DATETIME(3) NOT NULL,
    `deletedAt` DATETIME(3) NULL,

    UNIQUE INDEX `Volume_ownerId_activeName_key`(`ownerId`, `activeName`),
    INDEX `Volume_poolId_state_idx`(`poolId`, `state`),
    INDEX `Volume_vmId_idx`(`vmId`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE `VolumeSnapshot` (
    `id` CHAR(36) NOT NULL,
    `volumeId` CHAR(36) NOT NULL,
    `ownerId` CHAR(36) NOT NULL,
    `name` VARCHAR(63) NOT NULL,
    `sizeGiB` INTEGER NOT NULL,
    `chargedGiB` INTEGER NOT NULL,
    `state` ENUM('creating', 'ready') NOT NULL DEFAULT 'creating',
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `VolumeSnapshot_volumeId_name_key`(`volumeId`, `name`),
    INDEX `VolumeSnapshot_ownerId_idx`(`ownerId`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

ALTER TABLE `StoragePool` ADD CONSTRAINT `StoragePool_hostId_fkey` FOREIGN KEY (`hostId`) REFERENCES `Host`(`id`) ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE `Volume` ADD CONSTRAINT `Volume_ownerId_fkey` FOREIGN KEY (`ownerId`) REFERENCES `User`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE `Volume` ADD CONSTRAINT `Volume_poolId_fkey` FOREIGN KEY (`poolId`) REFERENCES `StoragePool`(`id`) ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE `Volume` ADD CONSTRAINT `Volume_vmId_fkey` FOREIGN KEY (`vmId`) REFERENCES `Vm`(`id`) ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE `VolumeSnapshot` ADD CONSTRAINT `VolumeSnapshot_volumeId_fkey` FOREIGN KEY (`volumeId`) REFERENCES `Volume`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
