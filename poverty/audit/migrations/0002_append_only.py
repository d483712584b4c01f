"""History cannot be edited or deleted, by any role or any code path: a trigger refuses it."""

from django.db import migrations

CREATE = r"""
CREATE FUNCTION audit_changerecord_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = '42501',
        MESSAGE = '变更记录不能修改或删除 (change records are append-only)';
END;
$$;
CREATE TRIGGER audit_changerecord_append_only
    BEFORE UPDATE OR DELETE ON audit_changerecord
    FOR EACH ROW EXECUTE FUNCTION audit_changerecord_append_only();
"""

DROP = r"""
DROP TRIGGER IF EXISTS audit_changerecord_append_only ON audit_changerecord;
DROP FUNCTION IF EXISTS audit_changerecord_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
