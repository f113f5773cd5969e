-- Tunnels: reverse tunnels (ssh -R), HTTP names, frp proxies and port forwards; users' tunnel keys
-- and port blocks; the tunnel quota.

-- AlterTable
ALTER TABLE `Quota` ADD COLUMN `maxTunnels` INTEGER NOT NULL DEFAULT 3,
    ADD COLUMN `usedTunnels` INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE `TunnelKey` (
    `id` CHAR(36) NOT NULL,
    `userId` CHAR(36) NOT NULL,
    `name` VARCHAR(80) NOT NULL,
    `publicKey` TEXT NOT NULL,
    `fingerprint` VARCHAR(64) NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `lastUsedAt` DATETIME(3) NULL,

    UNIQUE INDEX `TunnelKey_fingerprint_key`(`fingerprint`),
    INDEX `TunnelKey_userId_idx`(`userId`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `TunnelRange` (
    `userId` CHAR(36) NOT NULL,
    `start` INTEGER NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `TunnelRange_start_key`(`start`),
    PRIMARY KEY (`userId`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Tunnel` (
    `id` CHAR(36) NOT NULL,
    `ownerId` CHAR(36) NOT NULL,
    `kind` VARCHAR(16) NOT NULL,
    `state` VARCHAR(16) NOT NULL,
    `name` VARCHAR(63) NULL,
    `port` INTEGER NULL,
    `keyId` CHAR(36) NULL,
    `frpProxyName` VARCHAR(128) NULL,
    `vmId` CHAR(36) NULL,
    `targetPort` INTEGER NULL,
    `bandwidthLimit` INTEGER NOT NULL DEFAULT 0,
    `bytesIn` BIGINT NOT NULL DEFAULT 0,
    `bytesOut` BIGINT NOT NULL DEFAULT 0,
    `connections` INTEGER NOT NULL DEFAULT 0,
    `totalConnections` INTEGER NOT NULL DEFAULT 0,
    `clientAddress` VARCHAR(64) NULL,
    `holder` VARCHAR(64) NULL,
    `connectedAt` DATETIME(3) NULL,
    `lastActiveAt` DATETIME(3) NULL,
    `reservedUntil` DATETIME(3) NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `Tunnel_name_key`(`name`),
    UNIQUE INDEX `Tunnel_port_key`(`port`),
    UNIQUE INDEX `Tunnel_ownerId_frpProxyName_key`(`ownerId`, `frpProxyName`),
    INDEX `Tunnel_ownerId_kind_idx`(`ownerId`, `kind`),
    INDEX `Tunnel_state_reservedUntil_idx`(`state`, `reservedUntil`),
    INDEX `Tunnel_vmId_idx`(`vmId`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `TunnelKey` ADD CONSTRAINT `TunnelKey_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `User`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `TunnelRange` ADD CONSTRAINT `TunnelRange_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `User`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `Tunnel` ADD CONSTRAINT `Tunnel_ownerId_fkey` FOREIGN KEY (`ownerId`) REFERENCES `User`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
