import type { MigrationHistory, PostgresMigration } from "./postgres-migrations.js";

/**
 * The projection table's history, oldest first, kept apart from the event
 * tables' so a schema can hold either or both. Version 1 creates the table,
 * its source index, the sort key every search orders by, and the
 * function that reads an array element.
 */
export const PROJECTION_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    description: "projections table and sort key",
    sql: (schema) => `
-- Text columns compare in the "C" collation: byte order of UTF-8, which is code point order.
-- state is "jsonb", so filters and sorts read it without parsing. jsonb cannot hold U+0000, so
-- state holds U+0000 and U+0001 encoded (see jsonb-text.ts) and a state that has either also
-- keeps its exact text in state_text (NULL otherwise).
CREATE TABLE ${schema}.projections (
  name text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  source_type text NOT NULL,
  source_category text COLLATE "C",
  source_stream text COLLATE "C",
  state jsonb NOT NULL,
  state_text json,
  version bigint NOT NULL,
  position bigint,
  event_count bigint NOT NULL,
  updated_at timestamptz,
  CONSTRAINT projections_pkey PRIMARY KEY (name, id),
  CONSTRAINT projections_source_type_check CHECK (source_type IN ('log', 'category', 'stream'))
);

-- Serves locate(): the projection of a name over one source, smallest id first.
CREATE INDEX projections_source_idx ON ${schema}.projections (name, source_type, source_category, source_stream, id);

-- A number segment of a path reads only an array's element: "->" alone would also read
-- element 0 of a scalar, which jsonb keeps as a one-element array.
CREATE FUNCTION ${schema}.projection_element(value jsonb, index integer) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN jsonb_typeof(value) = 'array' THEN value -> index END
$$;

-- The total order of sort values: numbers < strings (code point order) < booleans < everything
-- else (null, missing, arrays, objects) as one value. Composite values compare field by field,
-- so one expression orders a sort key, and an expression index on it serves the ORDER BY.
CREATE TYPE ${schema}.projection_sort_key AS (rank smallint, scalar jsonb, string text COLLATE "C");

CREATE FUNCTION ${schema}.projection_sort_key(value jsonb) RETURNS ${schema}.projection_sort_key
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ROW(CASE jsonb_typeof(value) WHEN 'number' THEN 0 WHEN 'string' THEN 1 WHEN 'boolean' THEN 2 ELSE 3 END,
             CASE WHEN jsonb_typeof(value) IN ('number', 'boolean') THEN value END,
             CASE WHEN jsonb_typeof(value) = 'string' THEN value #>> '{}' END)::${schema}.projection_sort_key
$$;
`,
  },
];

/** The projection table's history and the table recording it. */
export const PROJECTION_MIGRATION_HISTORY: MigrationHistory = { table: "projection_schema_migrations", migrations: PROJECTION_MIGRATIONS };
