-- Template image checks: what `qemu-img info` said of an admin's image path on each host of the zone.
ALTER TABLE `TemplateHost` ADD COLUMN `checkResult` VARCHAR(16) NULL,
    ADD COLUMN `format` VARCHAR(16) NULL,
    ADD COLUMN `virtualSizeBytes` BIGINT NULL,
    ADD COLUMN `checkedAt` DATETIME(3) NULL;
