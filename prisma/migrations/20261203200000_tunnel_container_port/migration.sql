-- A tunnel may publish a container's port (a port forward on the owner's router, or a name
-- through the HTTP front), like a VM's. One tunnel per container port, decided by the database
-- as for VMs (the forward's ACL matches the container's address and port); the unique index
-- also serves the container delete's lookup of its tunnels.
ALTER TABLE `Tunnel` ADD COLUMN `containerId` CHAR(36) NULL;
CREATE UNIQUE INDEX `Tunnel_containerId_targetPort_key` ON `Tunnel`(`containerId`, `targetPort`);
