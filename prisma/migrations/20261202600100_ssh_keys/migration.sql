-- Key pairs: a person's saved SSH public keys, picked in the VM wizard.
CREATE TABLE `SshKey` (
    `id` CHAR(36) NOT NULL,
    `userId` CHAR(36) NOT NULL,
    `name` VARCHAR(64) NOT NULL,
    `type` VARCHAR(40) NOT NULL,
    `bits` INTEGER NOT NULL,
    `publicKey` TEXT NOT NULL,
    `fingerprint` VARCHAR(64) NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `SshKey_userId_name_key`(`userId`, `name`),
    UNIQUE INDEX `SshKey_userId_fingerprint_key`(`userId`, `fingerprint`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

ALTER TABLE `SshKey` ADD CONSTRAINT `SshKey_userId_fkey` FOREIGN KEY (`userId`) REFERENCES `User`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
