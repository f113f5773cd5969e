-- Containers join private networks: a NIC belongs to a VM or to a container, from the same
-- IPAM (the per-network unique address covers both).
ALTER TABLE `Nic` MODIFY `vmId` CHAR(36) NULL;
ALTER TABLE `Nic` ADD COLUMN `containerId` CHAR(36) NULL;
CREATE INDEX `Nic_containerId_idx` ON `Nic`(`containerId`);
ALTER TABLE `Nic` ADD CONSTRAINT `Nic_containerId_fkey` FOREIGN KEY (`containerId`) REFERENCES `Container`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
