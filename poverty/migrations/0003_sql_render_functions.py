# Two SQL functions for the API reads that PostgreSQL renders to JSON (poverty.api.jsonrows).
# Each is the SQL twin of one Python function, and tests/api/test_jsonrows.py checks them
# equal on edge values:
#   poverty_mask(value, keep_start, keep_end)  = poverty.masking.mask_value
#   poverty_isoformat(value, zone)             = value.astimezone(ZoneInfo(zone)).isoformat()

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION poverty_mask(value text, keep_start integer, keep_end integer)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN t IS NULL OR t = '' THEN ''
    WHEN length(t) <= keep_start + keep_end THEN repeat('*', length(t))
    ELSE left(t, keep_start) || repeat('*', length(t) - keep_start - keep_end)
         || right(t, keep_end)
  END
  FROM (SELECT regexp_replace(value, '^\s+|\s+$', '', 'g') AS t) AS trimmed
$$;

CREATE OR REPLACE FUNCTION poverty_isoformat(value timestamptz, zone text)
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN value IS NULL THEN NULL ELSE
    to_char(local, 'YYYY-MM-DD"T"HH24:MI:SS')
    || CASE WHEN date_part('microseconds', local)::bigint % 1000000 <> 0
            THEN to_char(local, '.US') ELSE '' END
    || CASE WHEN offset_ < interval '0' THEN '-' ELSE '+' END
    || to_char(magnitude, 'HH24:MI')
    || CASE WHEN date_part('second', magnitude) <> 0 THEN to_char(magnitude, ':SS') ELSE '' END
  END
  FROM (
    SELECT value AT TIME ZONE zone AS local,
           (value AT TIME ZONE zone) - (value AT TIME ZONE 'UTC') AS offset_
  ) AS parts,
  LATERAL (SELECT CASE WHEN offset_ < interval '0' THEN -offset_ ELSE offset_ END AS magnitude)
    AS absolute
$$;
"""

DROP = """
DROP FUNCTION IF EXISTS poverty_mask(text, integer, integer);
DROP FUNCTION IF EXISTS poverty_isoformat(timestamptz, text);
"""


class Migration(migrations.Migration):
    dependencies = [("poverty", "0002_api_token")]

    operations = [migrations.RunSQL(CREATE, DROP)]
