-- The token policy's grace window for rotations (issue 34): how long, in hours, a rotated token
-- keeps working by default while the identity provider is given its successor.
ALTER TABLE configurations ADD COLUMN token_rotation_grace_hours INTEGER;
