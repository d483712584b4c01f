"""Every live household has exactly one active head (户主), checked at commit.

"At most one" is the partial unique index households_member_one_head. "At least one" cannot
be a plain constraint, because a household and its members are inserted in separate
statements; a DEFERRABLE INITIALLY DEFERRED constraint trigger checks it at commit, so a
transaction that leaves a household without a head is rolled back whole.
"""

from django.db import migrations

CREATE = r"""
CREATE FUNCTION households_check_one_head() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    hh_id bigint;
    heads integer;
    deleted boolean;
BEGIN
    IF TG_TABLE_NAME = 'households_household' THEN
        hh_id := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        hh_id := OLD.household_id;
    ELSE
        hh_id := NEW.household_id;
    END IF;
    SELECT is_deleted INTO deleted FROM households_household WHERE id = hh_id;
    IF NOT FOUND OR deleted THEN
        RETURN NULL;  -- household gone or soft-deleted: nothing to check
    END IF;
    SELECT count(*) INTO heads FROM households_member
        WHERE household_id = hh_id AND relation = '01' AND is_active;
    IF heads <> 1 THEN
        RAISE EXCEPTION USING
            ERRCODE = '23514',
            CONSTRAINT = 'households_member_exactly_one_head',
            MESSAGE = format('每户必须有且只有一名户主 (household id %s has %s)', hh_id, heads);
    END IF;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER households_household_one_head
    AFTER INSERT OR UPDATE OF is_deleted ON households_household
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION households_check_one_head();

CREATE CONSTRAINT TRIGGER households_member_one_head
    AFTER INSERT OR UPDATE OF relation, is_active, household_id OR DELETE ON households_member
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION households_check_one_head();
"""

DROP = r"""
DROP TRIGGER IF EXISTS households_member_one_head ON households_member;
DROP TRIGGER IF EXISTS households_household_one_head ON households_household;
DROP FUNCTION IF EXISTS households_check_one_head();
"""


class Migration(migrations.Migration):
    dependencies = [("households", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
