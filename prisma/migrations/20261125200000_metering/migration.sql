-- AlterTable: hourly metering of VMs.
ALTER TABLE `Vm` ADD COLUMN `billedHours` INTEGER NOT NULL DEFAULT 1;
