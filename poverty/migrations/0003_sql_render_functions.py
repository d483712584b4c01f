# Two SQL functions for the API reads that PostgreSQL renders to JSON (poverty.api.jsonrows).
# Each is the SQL twin of one Python function, and tests/api/test_jsonrows.py checks them
# equal on edge values:
#   poverty_mask(value, keep_start, keep_end)  = poverty.masking.mask_value
#   poverty_isoformat(value, zone)             = value.astimezone(ZoneInfo(zone)).isoformat()
# Both are single expressions so that PostgreSQL inlines them into the query (a SQL function
# it cannot inline costs ~15-20 µs per call: measured 21 µs for the isoformat with a FROM
# clause, against ~3 µs inlined).

from django.db import migrations

# Python's str.strip() characters (every c in U+0000..U+FFFF with c.isspace() on Python 3.11),
# written out so that the migration does not depend on the Unicode tables of the Python running
# it; tests/api/test_jsonrows.py checks the SQL function against str.strip().
WHITESPACE = (
    r"\x09\x0a\x0b\x0c\x0d\x1c\x1d\x1e\x1f\x20\u0085\u00a0\u1680\u2000\u2001\u2002"
    r"\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

CREATE = rf"""
CREATE OR REPLACE FUNCTION poverty_mask(value text, keep_start integer, keep_end integer)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN value IS NULL OR btrim(value, E'{WHITESPACE}') = '' THEN ''
    WHEN length(btrim(value, E'{WHITESPACE}')) <= keep_start + keep_end
      THEN repeat('*', length(btrim(value, E'{WHITESPACE}')))
    ELSE left(btrim(value, E'{WHITESPACE}'), keep_start)
      || repeat('*', length(btrim(value, E'{WHITESPACE}')) - keep_start - keep_end)
      || right(btrim(value, E'{WHITESPACE}'), keep_end)
  END
$$;

CREATE OR REPLACE FUNCTION poverty_isoformat(value timestamptz, zone text)
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT replace(to_char(value AT TIME ZONE zone, 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '')
    || CASE
         WHEN (value AT TIME ZONE zone) >= (value AT TIME ZONE 'UTC')
           THEN '+' || to_char((value AT TIME ZONE zone) - (value AT TIME ZONE 'UTC'), 'HH24:MI')
         ELSE '-' || to_char((value AT TIME ZONE 'UTC') - (value AT TIME ZONE zone), 'HH24:MI')
       END
    || CASE
         WHEN date_part('second', (value AT TIME ZONE zone) - (value AT TIME ZONE 'UTC')) = 0
           THEN ''
         ELSE ':' || lpad(abs(date_part('second',
           (value AT TIME ZONE zone) - (value AT TIME ZONE 'UTC')))::int::text, 2, '0')
       END
$$;
"""

DROP = """
DROP FUNCTION IF EXISTS poverty_mask(text, integer, integer);
DROP FUNCTION IF EXISTS poverty_isoformat(timestamptz, text);
"""


class Migration(migrations.Migration):
    dependencies = [("poverty", "0002_api_token")]

    operations = [migrations.RunSQL(CREATE, DROP)]
