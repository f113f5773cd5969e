-- Monitoring: notifications, alerts from Alertmanager, the trial ladder, why the platform stopped a VM.

-- AlterTable
ALTER TABLE `Vm` ADD COLUMN `stoppedReason` VARCHAR(16) NULL,
    ADD COLUMN `stoppedAt` DATETIME(3) NULL;

-- CreateIndex
CREATE INDEX `Vm_ownerId_stoppedReason_idx` ON `Vm`(`ownerId`, `stoppedReason`);

-- CreateIndex
CREATE INDEX `User_trialEndsAt_idx` ON `User`(`trialEndsAt`);

-- CreateTable
CREATE TABLE `Notification` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `userId` CHAR(36) NOT NULL,
    `kind` VARCHAR(64) NOT NULL,
    `severity` ENUM('info', 'warning', 'critical') NOT NULL DEFAULT 'info',
    `text` VARCHAR(500) NOT NULL,
    `params` JSON NULL,
    `link` VARCHAR(255) NULL,
    `dedupeKey` VARCHAR(160) NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `readAt` DATETIME(3) NULL,

    UNIQUE INDEX `Notification_userId_dedupeKey_key`(`userId`, `dedupeKey`),
    INDEX `Notification_userId_readAt_idx`(`userId`, `readAt`),
    INDEX `Notification_createdAt_idx`(`createdAt`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `Alert` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `fingerprint` VARCHAR(64) NOT NULL,
    `startsAt` DATETIME(3) NOT NULL,
    `name` VARCHAR(128) NOT NULL,
    `severity` VARCHAR(16) NOT NULL,
    `level` VARCHAR(32) NOT NULL,
    `summary` VARCHAR(500) NOT NULL,
    `labels` JSON NOT NULL,
    `status` ENUM('firing', 'resolved') NOT NULL DEFAULT 'firing',
    `endsAt` DATETIME(3) NULL,
    `lastReceivedAt` DATETIME(3) NOT NULL,

    UNIQUE INDEX `Alert_fingerprint_startsAt_key`(`fingerprint`, `startsAt`),
    INDEX `Alert_status_startsAt_idx`(`status`, `startsAt`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `TrialStep` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `userId` CHAR(36) NOT NULL,
    `cycleEndsAt` DATETIME(3) NOT NULL,
    `step` VARCHAR(32) NOT NULL,
    `details` JSON NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `TrialStep_userId_cycleEndsAt_step_key`(`userId`, `cycleEndsAt`, `step`),
    INDEX `TrialStep_step_createdAt_idx`(`step`, `createdAt`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `Notification` ADD CONSTRAINT `Notification_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `User`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `TrialStep` ADD CONSTRAINT `TrialStep_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `User`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
