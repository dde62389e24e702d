-- TRUNCATE is not a DELETE to PostgreSQL: row triggers never see it. Refuse it too (review #3).
DROP TRIGGER IF EXISTS audit_no_truncate ON audit;
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
