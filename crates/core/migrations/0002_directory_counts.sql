-- Totals per configuration and resource type, kept by triggers in the same transaction as the
-- write, so an unfiltered list answers totalResults without counting 100,000 rows.

CREATE TABLE directory_counts (
    configuration_id TEXT    NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
    resource_type    TEXT    NOT NULL,
    total            INTEGER NOT NULL,
    PRIMARY KEY (configuration_id, resource_type)
);

INSERT INTO directory_counts (configuration_id, resource_type, total)
    SELECT configuration_id, 'User', COUNT(*) FROM users GROUP BY configuration_id;
INSERT INTO directory_counts (configuration_id, resource_type, total)
    SELECT configuration_id, 'Group', COUNT(*) FROM groups GROUP BY configuration_id;

CREATE TRIGGER users_counted AFTER INSERT ON users BEGIN
    INSERT INTO directory_counts (configuration_id, resource_type, total) VALUES (NEW.configuration_id, 'User', 1)
        ON CONFLICT (configuration_id, resource_type) DO UPDATE SET total = total + 1;
END;
CREATE TRIGGER users_uncounted AFTER DELETE ON users BEGIN
    UPDATE directory_counts SET total = total - 1 WHERE configuration_id = OLD.configuration_id AND resource_type = 'User';
END;
CREATE TRIGGER groups_counted AFTER INSERT ON groups BEGIN
    INSERT INTO directory_counts (configuration_id, resource_type, total) VALUES (NEW.configuration_id, 'Group', 1)
        ON CONFLICT (configuration_id, resource_type) DO UPDATE SET total = total + 1;
END;
CREATE TRIGGER groups_uncounted AFTER DELETE ON groups BEGIN
    UPDATE directory_counts SET total = total - 1 WHERE configuration_id = OLD.configuration_id AND resource_type = 'Group';
END;

