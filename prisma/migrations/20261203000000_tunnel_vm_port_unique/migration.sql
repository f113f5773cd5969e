-- One tunnel per VM port, decided by the database: two concurrent requests for the same VM port
-- both passed the service's look-before-insert check (or both failed it); now one insert wins
-- and the other is a duplicate key, answered 409. The unique index also serves lookups by vmId.
CREATE UNIQUE INDEX `Tunnel_vmId_targetPort_key` ON `Tunnel`(`vmId`, `targetPort`);
DROP INDEX `Tunnel_vmId_idx` ON `Tunnel`;
