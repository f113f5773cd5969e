-- Private networks on OVN: networks, NICs (the IPAM), security rules, a router per user, the
-- OVN facts of hosts, a network quota.

-- AlterTable
ALTER TABLE `Quota` ADD COLUMN `maxNetworks` INTEGER NOT NULL DEFAULT 2;

-- AlterTable
ALTER TABLE `Host` ADD COLUMN `ovnCentral` BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN `ovnChassis` VARCHAR(63) NULL,
    ADD COLUMN `ovnBridge` VARCHAR(15) NULL;

-- CreateTable
CREATE TABLE `Network` (
    `id` CHAR(36) NOT NULL,
    `ownerId` CHAR(36) NOT NULL,
    `name` VARCHAR(63) NOT NULL,
    `cidr` VARCHAR(18) NOT NULL,
    `gateway` VARCHAR(15) NOT NULL,
    `isDefault` BOOLEAN NOT NULL DEFAULT false,
    `state` ENUM('creating', 'ready', 'deleting', 'error') NOT NULL DEFAULT 'creating',
    `lastError` VARCHAR(1000) NULL,
    `currentOperationId` CHAR(36) NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updatedAt` DATETIME(3) NOT NULL,

    UNIQUE INDEX `Network_ownerId_name_key`(`ownerId`, `name`),
    INDEX `Network_ownerId_cidr_idx`(`ownerId`, `cidr`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Nic` (
    `id` CHAR(36) NOT NULL,
    `vmId` CHAR(36) NOT NULL,
    `networkId` CHAR(36) NOT NULL,
    `mac` VARCHAR(17) NOT NULL,
    `ip` VARCHAR(15) NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `Nic_mac_key`(`mac`),
    UNIQUE INDEX `Nic_networkId_ip_key`(`networkId`, `ip`),
    INDEX `Nic_vmId_idx`(`vmId`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `SecurityRule` (
    `id` CHAR(36) NOT NULL,
    `networkId` CHAR(36) NOT NULL,
    `protocol` VARCHAR(8) NOT NULL,
    `portFrom` INTEGER NULL,
    `portTo` INTEGER NULL,
    `sourceCidr` VARCHAR(18) NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `SecurityRule_networkId_idx`(`networkId`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `NetworkRouter` (
    `userId` CHAR(36) NOT NULL,
    `externalIp` VARCHAR(15) NOT NULL,
    `mac` VARCHAR(17) NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `NetworkRouter_externalIp_key`(`externalIp`),
    UNIQUE INDEX `NetworkRouter_mac_key`(`mac`),
    PRIMARY KEY (`userId`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `Network` ADD CONSTRAINT `Network_ownerId_fkey` FOREIGN KEY (`ownerId`) REFERENCES `User`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `Nic` ADD CONSTRAINT `Nic_vmId_fkey` FOREIGN KEY (`vmId`) REFERENCES `Vm`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `Nic` ADD CONSTRAINT `Nic_networkId_fkey` FOREIGN KEY (`networkId`) REFERENCES `Network`(`id`) ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `SecurityRule` ADD CONSTRAINT `SecurityRule_networkId_fkey` FOREIGN KEY (`networkId`) REFERENCES `Network`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
