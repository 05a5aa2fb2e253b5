-- SQLite operators and overloads the store's SQL relies on that PostgreSQL lacks: GLOB (the dialect,
-- cxdesk.store.pg.dialect, rewrites `a GLOB b` to `a #~# b` and `a NOT GLOB b` to `a #!~# b`),
-- and AVG/MAX/MIN over comparisons (in SQLite a comparison is 0/1).

-- AVG/MAX/MIN of a comparison, as SQLite counts it (true = 1, false = 0; NULLs skipped); SUM and TOTAL are
-- in sqlite_compat.sql.
CREATE OR REPLACE FUNCTION sqlite_bool_avg_step(state double precision[], value boolean) RETURNS double precision[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN value IS NULL THEN state
                ELSE ARRAY[COALESCE(state[1], 0) + value::int, COALESCE(state[2], 0) + 1] END $$;
CREATE OR REPLACE FUNCTION sqlite_bool_avg_final(state double precision[]) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN state IS NULL THEN NULL ELSE state[1] / state[2] END $$;
CREATE OR REPLACE FUNCTION sqlite_bool_max_step(state integer, value boolean) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN value IS NULL THEN state ELSE GREATEST(COALESCE(state, 0), value::int) END $$;
CREATE OR REPLACE FUNCTION sqlite_bool_min_step(state integer, value boolean) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN value IS NULL THEN state ELSE LEAST(COALESCE(state, 1), value::int) END $$;
CREATE OR REPLACE AGGREGATE avg(boolean) (
    SFUNC = sqlite_bool_avg_step, STYPE = double precision[], FINALFUNC = sqlite_bool_avg_final
);
CREATE OR REPLACE AGGREGATE max(boolean) (SFUNC = sqlite_bool_max_step, STYPE = integer);
CREATE OR REPLACE AGGREGATE min(boolean) (SFUNC = sqlite_bool_min_step, STYPE = integer);

-- SQLite's GLOB: case-sensitive, * any run, ? one character, [...] a class ([^...] negated).
CREATE OR REPLACE FUNCTION sqlite_glob_regex(pattern text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    out text := '^';
    i int := 1;
    n int := length(pattern);
    c text;
    j int;
BEGIN
    WHILE i <= n LOOP
        c := substr(pattern, i, 1);
        IF c = '*' THEN
            out := out || '.*';
        ELSIF c = '?' THEN
            out := out || '.';
        ELSIF c = '[' THEN
            j := i + 1;
            IF substr(pattern, j, 1) = '^' THEN j := j + 1; END IF;
            IF substr(pattern, j, 1) = ']' THEN j := j + 1; END IF;
            WHILE j <= n AND substr(pattern, j, 1) <> ']' LOOP j := j + 1; END LOOP;
            IF j > n THEN
                out := out || '\[';
            ELSE
                out := out || '[' || replace(replace(substr(pattern, i + 1, j - i - 1), '\', '\\'), '[', '\[') || ']';
                i := j;
            END IF;
        ELSIF c ~ '[.^$+(){}|\\]' THEN
            out := out || '\' || c;
        ELSE
            out := out || c;
        END IF;
        i := i + 1;
    END LOOP;
    RETURN out || '$';
END;
$$;

CREATE OR REPLACE FUNCTION sqlite_glob_match(value text, pattern text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT value ~ sqlite_glob_regex(pattern) $$;

CREATE OR REPLACE FUNCTION sqlite_glob_no_match(value text, pattern text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT NOT (value ~ sqlite_glob_regex(pattern)) $$;

DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_operator WHERE oprname = '#~#') THEN
        CREATE OPERATOR #~# (LEFTARG = text, RIGHTARG = text, FUNCTION = sqlite_glob_match);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_operator WHERE oprname = '#!~#') THEN
        CREATE OPERATOR #!~# (LEFTARG = text, RIGHTARG = text, FUNCTION = sqlite_glob_no_match);
    END IF;
END $$;
