-- Flavors: named VM sizes an admin defines, offered as cards in the create wizard.
CREATE TABLE `Flavor` (
    `id` CHAR(36) NOT NULL,
    `name` VARCHAR(32) NOT NULL,
    `vcpus` INTEGER NOT NULL,
    `memoryMiB` INTEGER NOT NULL,
    `diskGiB` INTEGER NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `Flavor_name_key`(`name`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
