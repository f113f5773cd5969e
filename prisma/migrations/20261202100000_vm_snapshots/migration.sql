-- CreateTable: the platform's record of each VM snapshot (the host holds the snapshot itself):
-- the VM's size when it was taken (a revert across a resize is refused), whether it holds RAM
-- (a revert starts the VM), and the disk quota it is charged.
CREATE TABLE `VmSnapshot` (
    `id` CHAR(36) NOT NULL,
    `vmId` CHAR(36) NOT NULL,
    `ownerId` CHAR(36) NOT NULL,
    `name` VARCHAR(63) NOT NULL,
    `vcpus` INTEGER NOT NULL,
    `memoryMiB` INTEGER NOT NULL,
    `diskGiB` INTEGER NOT NULL,
    `withMemory` BOOLEAN NOT NULL,
    `chargedGiB` INTEGER NOT NULL,
    `state` ENUM('creating', 'ready') NOT NULL DEFAULT 'creating',
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `VmSnapshot_vmId_name_key`(`vmId`, `name`),
    INDEX `VmSnapshot_ownerId_idx`(`ownerId`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `VmSnapshot` ADD CONSTRAINT `VmSnapshot_vmId_fkey` FOREIGN KEY (`vmId`) REFERENCES `Vm`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
