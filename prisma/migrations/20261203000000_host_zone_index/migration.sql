-- Placement locks a zone's ready hosts (SELECT ... FOR UPDATE): with an index on (zone, status)
-- InnoDB locks that zone's rows only, not every host it scanned, so creates in two zones never
-- wait for each other (scripts/bench/scale.ts, 1,250 hosts).
CREATE INDEX `Host_zone_status_idx` ON `Host`(`zone`, `status`);
