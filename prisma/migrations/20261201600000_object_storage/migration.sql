-- CreateTable: object storage (buckets on the S3 server, per-user object quota, uploads in flight, access keys).
CREATE TABLE `ObjectQuota` (
    `userId` CHAR(36) NOT NULL,
    `maxBytes` BIGINT NOT NULL,
    `maxObjects` INTEGER NOT NULL,
    `maxBuckets` INTEGER NOT NULL,
    `usedBytes` BIGINT NOT NULL DEFAULT 0,
    `usedObjects` INTEGER NOT NULL DEFAULT 0,
    `reservedBytes` BIGINT NOT NULL DEFAULT 0,
    `reservedObjects` INTEGER NOT NULL DEFAULT 0,
    `unbilledMiBSeconds` BIGINT NOT NULL DEFAULT 0,
    `scannedAt` DATETIME(3) NULL,

    PRIMARY KEY (`userId`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Bucket` (
    `id` CHAR(36) NOT NULL,
    `name` VARCHAR(63) NOT NULL,
    `ownerId` CHAR(36) NOT NULL,
    `objects` INTEGER NOT NULL DEFAULT 0,
    `bytes` BIGINT NOT NULL DEFAULT 0,
    `scannedAt` DATETIME(3) NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `Bucket_name_key`(`name`),
    INDEX `Bucket_ownerId_idx`(`ownerId`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `ObjectUpload` (
    `id` CHAR(36) NOT NULL,
    `ownerId` CHAR(36) NOT NULL,
    `bucket` VARCHAR(63) NOT NULL,
    `objectKey` VARCHAR(1024) NOT NULL,
    `sizeBytes` BIGINT NOT NULL,
    `s3UploadId` VARCHAR(255) NULL,
    `partSize` INTEGER NULL,
    `replacesBytes` BIGINT NULL,
    `state` ENUM('pending', 'completed', 'aborted') NOT NULL DEFAULT 'pending',
    `expiresAt` DATETIME(3) NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `completedAt` DATETIME(3) NULL,

    INDEX `ObjectUpload_ownerId_state_idx`(`ownerId`, `state`),
    INDEX `ObjectUpload_state_expiresAt_idx`(`state`, `expiresAt`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `S3AccessKey` (
    `id` CHAR(36) NOT NULL,
    `userId` CHAR(36) NOT NULL,
    `name` VARCHAR(80) NOT NULL,
    `accessKeyId` VARCHAR(32) NOT NULL,
    `secretSealed` VARCHAR(255) NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `lastUsedAt` DATETIME(3) NULL,
    `revokedAt` DATETIME(3) NULL,

    UNIQUE INDEX `S3AccessKey_accessKeyId_key`(`accessKeyId`),
    INDEX `S3AccessKey_userId_idx`(`userId`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `ObjectQuota` ADD CONSTRAINT `ObjectQuota_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `User`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `Bucket` ADD CONSTRAINT `Bucket_ownerId_fkey` FOREIGN KEY (`ownerId`) REFERENCES `User`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `S3AccessKey` ADD CONSTRAINT `S3AccessKey_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `User`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
