-- SQLite's scalar and aggregate functions that the store's SQL calls, for PostgreSQL (issue 20).
--
-- Each behaves like SQLite 3.40's for the ways cxdesk uses it: text in, text out; NULL in, NULL out;
-- a text that is not a time gives NULL, never an error. Safe to run again (CREATE OR REPLACE).
--
-- Time functions: datetime, date, strftime, julianday, unixepoch. They port SQLite's date.c: a time is
-- a Julian day in milliseconds plus the fields it was written with. Like SQLite, a time read without a
-- modifier keeps its written fields (date('2024-02-30') is '2024-02-30'; date('2024-02-30', '+0 days')
-- is '2024-03-01'). Accepted times: 'YYYY-MM-DD', optionally [ T]HH:MM[:SS[.fff]] and a zone (Z,
-- +HH:MM); 'HH:MM[:SS]' alone (on 2000-01-01); 'now'; a number (a Julian day). Modifiers: '±N
-- days|hours|minutes|seconds|months|years' (N may have a fraction), 'start of day|month|year',
-- 'weekday N', 'localtime', 'utc' (both use the session's TimeZone setting, SQLite uses the OS zone),
-- 'unixepoch' (first modifier, after a number). strftime: %d %f %H %j %J %m %M %s %S %w %W %Y %%.
-- 'now' is the transaction's start (SQLite: the statement's). The functions reading 'now' or the zone
-- are STABLE; none is IMMUTABLE because one signature serves both.
--
-- Others: instr, ifnull, printf (%d %i %f %x %s with flags, width, precision, and %%), round(float,
-- n), total, sum(comparison) (SUM(a = b) counts, as SQLite), group_concat (1 and 2 arguments, any
-- input type), json_extract (returns text: numbers as SQLite writes them, true/false as 1/0, an object
-- or array as JSON text), json_group_array (text JSON, like SQLite's: no spaces).
--
-- Not here because PostgreSQL cannot take them as functions: char(N) (a keyword: write chr(N)),
-- scalar max(a, b)/min(a, b), one-argument date('literal') (PostgreSQL reads it as a cast to date),
-- json_each (a built-in with another shape), one-argument round(x) of a float (PostgreSQL's own
-- rounds half to even), a comparison used as a number outside SUM/total ((a = b) | 1, SELECT a = b).

-- computeJD() for the date part: Julian day (ms) of Y-M-D 00:00 (D may exceed the month; it carries over).
CREATE OR REPLACE FUNCTION sqlite_compat_jd(y int, mo int, d int) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    a int; b int; x1 int; x2 int;
BEGIN
    IF y < -4713 OR y > 9999 THEN
        RETURN NULL;
    END IF;
    IF mo <= 2 THEN
        y := y - 1;
        mo := mo + 12;
    END IF;
    a := y / 100;          -- integer division truncates toward zero, as in C
    b := 2 - a + (a / 4);
    x1 := 36525 * (y + 4716) / 100;
    x2 := 306001 * (mo + 1) / 10000;
    RETURN trunc((x1 + x2 + d + b - 1524.5::float8) * 86400000)::bigint;
END;
$$;

-- computeYMD(): the calendar date of a Julian day in ms.
CREATE OR REPLACE FUNCTION sqlite_compat_ymd(ijd bigint, OUT y int, OUT mo int, OUT d int)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    z int; a int; b int; c int; dd int; e int; x1 int;
BEGIN
    z := ((ijd + 43200000) / 86400000)::int;
    a := trunc((z - 1867216.25::float8) / 36524.25)::int;
    a := z + 1 + a - (a / 4);
    b := a + 1524;
    c := trunc((b - 122.1::float8) / 365.25)::int;
    dd := (36525 * (c & 32767)) / 100;
    e := trunc((b - dd) / 30.6001::float8)::int;
    x1 := trunc(30.6001::float8 * e)::int;
    d := b - dd - x1;
    mo := CASE WHEN e < 14 THEN e - 1 ELSE e - 13 END;
    y := CASE WHEN mo > 2 THEN c - 4716 ELSE c - 4715 END;
END;
$$;

-- computeHMS(): the time of day of a Julian day in ms.
CREATE OR REPLACE FUNCTION sqlite_compat_hms(ijd bigint, OUT h int, OUT mi int, OUT s float8)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    si int;
BEGIN
    si := ((ijd + 43200000) % 86400000)::int;
    s := si / 1000.0::float8;
    si := trunc(s)::int;
    s := s - si;
    h := si / 3600;
    si := si - h * 3600;
    mi := si / 60;
    s := s + (si - mi * 60);
END;
$$;

-- toLocaltime(): the fields of a UTC time (a Julian day in ms) in the session's TimeZone, as SQLite
-- 3.40 computes them: outside 1970-2038 the year is mapped to one of 2000-2003 (same leap cycle), looked
-- up and mapped back, so the fields may name a day the year lacks, as in SQLite. The given y..s are
-- the time's written fields where it has them (has_ymd/has_hms). NULL y when SQLite would be in error.
CREATE OR REPLACE FUNCTION sqlite_compat_to_local(
    ijd bigint, has_ymd boolean, y int, mo int, d int, has_hms boolean, h int, mi int, s float8,
    OUT ly int, OUT lmo int, OUT ld int, OUT lh int, OUT lmi int, OUT ls float8
)
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    f record;
    diff int := 0;
    xjd bigint;
    t bigint;
    loc timestamp;
BEGIN
    IF ijd < 210866760000000 OR ijd > 213014145600000 THEN
        IF NOT has_ymd AND (ijd < 0 OR ijd > 464269060799999) THEN
            -- SQLite's error state: the fields are zeroed and the time becomes 2000-01-01 00:00
            diff := 2000;
            t := 946684800;
        ELSE
            IF NOT has_ymd THEN
                f := sqlite_compat_ymd(ijd); y := f.y; mo := f.mo; d := f.d;
            END IF;
            IF NOT has_hms THEN
                f := sqlite_compat_hms(ijd); h := f.h; mi := f.mi; s := f.s;
            END IF;
            diff := (2000 + y % 4) - y;
            xjd := sqlite_compat_jd(y + diff, mo, d);
            IF xjd IS NULL THEN
                RETURN;
            END IF;
            xjd := xjd + h * 3600000 + mi * 60000 + trunc(s * 1000.0 + 0.5)::bigint;
            t := xjd / 1000 - 210866760000;
        END IF;
    ELSE
        t := ijd / 1000 - 210866760000;
    END IF;
    loc := to_timestamp(t) AT TIME ZONE current_setting('TimeZone');
    ly := extract(year FROM loc)::int - diff;
    lmo := extract(month FROM loc)::int;
    ld := extract(day FROM loc)::int;
    lh := extract(hour FROM loc)::int;
    lmi := extract(minute FROM loc)::int;
    ls := trunc(extract(second FROM loc)) + (ijd % 1000) * 0.001;
END;
$$;

-- isDate(): parse a time and apply the modifiers, as SQLite's date.c does. ok is false where SQLite
-- answers NULL. y..s are the fields to print: the written ones where no modifier recomputed them.
CREATE OR REPLACE FUNCTION sqlite_compat_eval(
    t text, mods text[],
    OUT ok boolean, OUT ijd bigint, OUT y int, OUT mo int, OUT d int, OUT h int, OUT mi int, OUT s float8
)
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    valid_jd boolean := false;
    valid_ymd boolean := false;
    valid_hms boolean := false;
    valid_tz boolean := false;
    tz_set boolean := false;
    raw_s boolean := false;
    raw_num float8;
    tz int := 0;
    m text[];
    z text;
    r float8;
    n int;
    unit text;
    i int;
    x int;
    orig bigint;
    guess bigint;
    err bigint;
    cnt int;
    local_jd bigint;
    f record;
    lim float8;
    per_ms float8;
    ms_frac text;
BEGIN
    ok := false;
    IF t IS NULL THEN
        RETURN;
    END IF;
    -- parseYyyyMmDd / parseHhMmSs / 'now' / a number
    m := regexp_match(t, '^(-?)([0-9]{4})-([0-9]{2})-([0-9]{2})[ \t\n\v\f\rT]*(.*)$');
    IF m IS NOT NULL THEN
        y := m[2]::int;
        mo := m[3]::int;
        d := m[4]::int;
        IF mo < 1 OR mo > 12 OR d < 1 OR d > 31 THEN
            RETURN;
        END IF;
        IF m[1] = '-' THEN
            y := -y;
        END IF;
        valid_ymd := true;
        z := m[5];
    ELSE
        z := t;
    END IF;
    IF z <> '' OR NOT valid_ymd THEN
        -- HH:MM[:SS[.fff]] then spaces, then an optional zone, then spaces
        m := regexp_match(z, '^([0-9]{2}):([0-9]{2})(:([0-9]{2})(\.[0-9]+)?)?[ \t\n\v\f\r]*(([-+])([0-9]{2}):([0-9]{2})|[Zz])?[ \t\n\v\f\r]*$');
        IF m IS NOT NULL AND m[1]::int <= 24 AND m[2]::int <= 59 AND coalesce(m[4]::int, 0) <= 59
           AND coalesce(m[8]::int, 0) <= 14 AND coalesce(m[9]::int, 0) <= 59 THEN
            h := m[1]::int;
            mi := m[2]::int;
            s := coalesce(m[4]::int, 0);
            ms_frac := m[5];
            IF ms_frac IS NOT NULL THEN
                s := s + ('0' || ms_frac)::float8;
            END IF;
            valid_hms := true;
            IF m[6] IS NOT NULL THEN
                tz_set := true;
                IF m[7] IS NOT NULL THEN
                    tz := (m[8]::int * 60 + m[9]::int) * CASE WHEN m[7] = '-' THEN -1 ELSE 1 END;
                END IF;
            END IF;
            valid_tz := tz <> 0;
        ELSIF valid_ymd THEN
            RETURN;  -- a date followed by something that is not a time
        ELSIF lower(z) = 'now' THEN
            ijd := trunc(extract(epoch FROM transaction_timestamp()) * 1000)::bigint + 210866760000000;
            valid_jd := true;
        ELSIF z ~ '^[ \t\n\v\f\r]*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?[ \t\n\v\f\r]*$' THEN
            raw_num := z::float8;
            raw_s := true;
            IF raw_num >= 0.0 AND raw_num < 5373484.5 THEN
                ijd := trunc(raw_num * 86400000.0 + 0.5)::bigint;
                valid_jd := true;
            END IF;
        ELSE
            RETURN;
        END IF;
    END IF;
    IF valid_ymd AND valid_tz THEN  -- computeJD() at parse time when a zone was given
        ijd := sqlite_compat_jd(y, mo, d);
        IF ijd IS NULL THEN
            RETURN;
        END IF;
        ijd := ijd + h * 3600000 + mi * 60000 + trunc(s * 1000.0 + 0.5)::bigint - tz * 60000;
        valid_jd := true;
        valid_ymd := false;
        valid_hms := false;
        valid_tz := false;
    END IF;

    FOR i IN 1 .. coalesce(array_length(mods, 1), 0) LOOP
        z := mods[i];
        IF z IS NULL THEN
            RETURN;
        END IF;
        -- computeJD() where a modifier needs it (inlined: plpgsql has no nested procedures)
        IF NOT valid_jd AND lower(z) NOT LIKE 'start of %' AND lower(z) <> 'unixepoch' THEN
            ijd := CASE WHEN NOT raw_s THEN
                sqlite_compat_jd(CASE WHEN valid_ymd THEN y ELSE 2000 END, CASE WHEN valid_ymd THEN mo ELSE 1 END,
                                 CASE WHEN valid_ymd THEN d ELSE 1 END) END;
            IF ijd IS NULL THEN
                IF lower(z) <> 'localtime' THEN
                    RETURN;
                END IF;
                -- SQLite's error state, which 'localtime' clears: the time is then 2000-01-01 00:00
                ijd := sqlite_compat_jd(2000, 1, 1);
                valid_ymd := false; valid_hms := false; valid_tz := false; raw_s := false; tz_set := false;
            ELSIF valid_hms THEN
                ijd := ijd + h * 3600000 + mi * 60000 + trunc(s * 1000.0 + 0.5)::bigint;
            END IF;
            valid_jd := true;
        END IF;
        IF lower(z) = 'localtime' THEN
            f := sqlite_compat_to_local(ijd, valid_ymd, y, mo, d, valid_hms, h, mi, s);
            IF f.ly IS NULL THEN
                RETURN;
            END IF;
            y := f.ly; mo := f.lmo; d := f.ld; h := f.lh; mi := f.lmi; s := f.ls;
            valid_ymd := true; valid_hms := true; valid_jd := false; raw_s := false; valid_tz := false;
        ELSIF lower(z) = 'utc' THEN
            IF NOT tz_set THEN
                -- guess the UTC time whose local time is this one (up to 4 tries, as SQLite)
                orig := ijd;
                guess := ijd;
                err := 0;
                cnt := 0;
                LOOP
                    guess := guess - err;
                    IF guess < 0 OR guess > 464269060799999 THEN
                        RETURN;
                    END IF;
                    f := sqlite_compat_to_local(guess, false, 0, 0, 0, false, 0, 0, 0);
                    IF f.ly IS NULL THEN
                        RETURN;
                    END IF;
                    local_jd := sqlite_compat_jd(f.ly, f.lmo, f.ld);
                    IF local_jd IS NULL THEN
                        RETURN;
                    END IF;
                    local_jd := local_jd + f.lh * 3600000 + f.lmi * 60000 + trunc(f.ls * 1000.0 + 0.5)::bigint;
                    err := local_jd - orig;
                    EXIT WHEN err = 0 OR cnt >= 3;
                    cnt := cnt + 1;
                END LOOP;
                ijd := guess;
                valid_jd := true; valid_ymd := false; valid_hms := false; valid_tz := false; raw_s := false;
                tz_set := true;
            END IF;
        ELSIF lower(z) = 'unixepoch' THEN
            IF i <> 1 OR NOT raw_s THEN
                RETURN;
            END IF;
            r := raw_num * 1000.0 + 210866760000000.0;
            IF r < 0 OR r > 464269060799999.0 THEN
                RETURN;
            END IF;
            ijd := trunc(r + 0.5)::bigint;
            valid_jd := true; raw_s := false;
            valid_ymd := false; valid_hms := false; valid_tz := false;
        ELSIF lower(z) ~ '^weekday ' THEN
            m := regexp_match(substr(z, 9), '^[ \t\n\v\f\r]*([-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?)[ \t\n\v\f\r]*$');
            IF m IS NULL THEN
                RETURN;
            END IF;
            r := m[1]::float8;
            IF r <> trunc(r) OR r < 0 OR r >= 7 THEN
                RETURN;
            END IF;
            n := r::int;
            -- computeYMD_HMS, then computeJD afresh (drops a zone)
            IF NOT valid_ymd THEN
                f := sqlite_compat_ymd(ijd); y := f.y; mo := f.mo; d := f.d;
            END IF;
            IF NOT valid_hms THEN
                f := sqlite_compat_hms(ijd); h := f.h; mi := f.mi; s := f.s;
            END IF;
            ijd := sqlite_compat_jd(y, mo, d);
            IF ijd IS NULL THEN
                RETURN;
            END IF;
            ijd := ijd + h * 3600000 + mi * 60000 + trunc(s * 1000.0 + 0.5)::bigint;
            x := ((ijd + 129600000) / 86400000 % 7)::int;
            IF x > n THEN
                x := x - 7;
            END IF;
            ijd := ijd + (n - x)::bigint * 86400000;
            valid_ymd := false; valid_hms := false; valid_tz := false;
        ELSIF lower(z) LIKE 'start of %' THEN
            IF NOT valid_jd AND NOT valid_ymd AND NOT valid_hms THEN
                RETURN;
            END IF;
            IF NOT valid_ymd THEN
                IF NOT valid_jd THEN
                    y := 2000; mo := 1; d := 1;
                ELSE
                    IF ijd < 0 OR ijd > 464269060799999 THEN
                        RETURN;
                    END IF;
                    f := sqlite_compat_ymd(ijd); y := f.y; mo := f.mo; d := f.d;
                END IF;
                valid_ymd := true;
            END IF;
            valid_hms := true; h := 0; mi := 0; s := 0; raw_s := false;
            valid_tz := false; valid_jd := false;
            unit := lower(substr(z, 10));
            IF unit = 'month' THEN
                d := 1;
            ELSIF unit = 'year' THEN
                mo := 1; d := 1;
            ELSIF unit <> 'day' THEN
                RETURN;
            END IF;
        ELSIF z ~ '^[-+0-9]' THEN
            m := regexp_match(z, '^([^: \t\n\v\f\r]*)(:?)[ \t\n\v\f\r]*(.*)$');
            IF m[1] !~ '^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$' OR m[2] = ':' THEN
                RETURN;  -- (±HH:MM offsets are not supported: cxdesk writes none)
            END IF;
            r := m[1]::float8;
            unit := lower(m[3]);
            IF length(unit) > 10 OR length(unit) < 3 THEN
                RETURN;
            END IF;
            IF right(unit, 1) = 's' THEN
                unit := left(unit, -1);
            END IF;
            SELECT v.lim, v.per_ms INTO lim, per_ms FROM (VALUES
                ('second', 4.6427e+14::float8, 1.0::float8), ('minute', 7.7379e+12, 60.0), ('hour', 1.2897e+11, 3600.0),
                ('day', 5373485.0, 86400.0), ('month', 176546.0, 2592000.0), ('year', 14713.0, 31536000.0)
            ) AS v(name, lim, per_ms) WHERE v.name = unit;
            IF lim IS NULL OR NOT (r > -lim AND r < lim) THEN
                RETURN;
            END IF;
            IF unit IN ('month', 'year') THEN
                IF NOT valid_ymd THEN
                    IF ijd < 0 OR ijd > 464269060799999 THEN
                        RETURN;
                    END IF;
                    f := sqlite_compat_ymd(ijd); y := f.y; mo := f.mo; d := f.d;
                END IF;
                IF NOT valid_hms THEN
                    f := sqlite_compat_hms(ijd); h := f.h; mi := f.mi; s := f.s;
                END IF;
                IF unit = 'month' THEN
                    mo := mo + trunc(r)::int;
                    x := CASE WHEN mo > 0 THEN (mo - 1) / 12 ELSE (mo - 12) / 12 END;
                    y := y + x;
                    mo := mo - x * 12;
                ELSE
                    y := y + trunc(r)::int;
                END IF;
                r := r - trunc(r);
                ijd := sqlite_compat_jd(y, mo, d);
                IF ijd IS NULL THEN
                    RETURN;
                END IF;
                ijd := ijd + h * 3600000 + mi * 60000 + trunc(s * 1000.0 + 0.5)::bigint;
            END IF;
            ijd := ijd + trunc(r * 1000.0 * per_ms + CASE WHEN r < 0 THEN -0.5 ELSE 0.5 END)::bigint;
            valid_ymd := false; valid_hms := false; valid_tz := false;
        ELSE
            RETURN;
        END IF;
    END LOOP;

    -- the final computeJD() and range check
    IF NOT valid_jd THEN
        IF raw_s THEN
            RETURN;
        END IF;
        ijd := sqlite_compat_jd(CASE WHEN valid_ymd THEN y ELSE 2000 END, CASE WHEN valid_ymd THEN mo ELSE 1 END,
                                CASE WHEN valid_ymd THEN d ELSE 1 END);
        IF ijd IS NULL THEN
            RETURN;
        END IF;
        IF valid_hms THEN
            ijd := ijd + h * 3600000 + mi * 60000 + trunc(s * 1000.0 + 0.5)::bigint;
        END IF;
    END IF;
    IF ijd < 0 OR ijd > 464269060799999 THEN
        RETURN;
    END IF;
    IF NOT valid_ymd THEN
        f := sqlite_compat_ymd(ijd); y := f.y; mo := f.mo; d := f.d;
    END IF;
    IF NOT valid_hms THEN
        f := sqlite_compat_hms(ijd); h := f.h; mi := f.mi; s := f.s;
    END IF;
    ok := true;
END;
$$;

-- The year as datetime() and date() write it: four digits after the sign ('-0001'); strftime's %Y is C's %04d ('-001').
CREATE OR REPLACE FUNCTION sqlite_compat_year(y int) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN $1 < 0 THEN '-' || lpad((-$1)::text, 4, '0') ELSE lpad($1::text, 4, '0') END
$$;

CREATE OR REPLACE FUNCTION datetime(t text, VARIADIC mods text[] DEFAULT '{}') RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    r record;
BEGIN
    r := sqlite_compat_eval(t, mods);
    IF NOT r.ok THEN
        RETURN NULL;
    END IF;
    RETURN sqlite_compat_year(r.y) || '-' || lpad(r.mo::text, 2, '0') || '-' || lpad(r.d::text, 2, '0') || ' '
        || lpad(r.h::text, 2, '0') || ':' || lpad(r.mi::text, 2, '0') || ':' || lpad(trunc(r.s)::int::text, 2, '0');
END;
$$;

CREATE OR REPLACE FUNCTION date(t text, VARIADIC mods text[] DEFAULT '{}') RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    r record;
BEGIN
    r := sqlite_compat_eval(t, mods);
    IF NOT r.ok THEN
        RETURN NULL;
    END IF;
    RETURN sqlite_compat_year(r.y) || '-' || lpad(r.mo::text, 2, '0') || '-' || lpad(r.d::text, 2, '0');
END;
$$;

-- The store's own time form, 'YYYY-MM-DD HH:MM:SS', straight to its Julian day in ms (NULL for any
-- other text: the caller then takes the general path). unixepoch over every message of a store reads
-- this form ~30x faster than sqlite_compat_eval.
CREATE OR REPLACE FUNCTION sqlite_compat_canon(t text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN t ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]) ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$'
        THEN sqlite_compat_jd(substr(t, 1, 4)::int, substr(t, 6, 2)::int, substr(t, 9, 2)::int)
            + substr(t, 12, 2)::bigint * 3600000 + substr(t, 15, 2)::bigint * 60000 + substr(t, 18, 2)::bigint * 1000
    END
$$;

CREATE OR REPLACE FUNCTION julianday(t text, VARIADIC mods text[] DEFAULT '{}') RETURNS float8
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    r record;
    ms bigint;
BEGIN
    IF cardinality(mods) = 0 THEN
        ms := sqlite_compat_canon(t);
        IF ms IS NOT NULL THEN
            RETURN ms / 86400000.0::float8;
        END IF;
    END IF;
    r := sqlite_compat_eval(t, mods);
    IF NOT r.ok THEN
        RETURN NULL;
    END IF;
    RETURN r.ijd / 86400000.0::float8;
END;
$$;

CREATE OR REPLACE FUNCTION unixepoch(t text, VARIADIC mods text[] DEFAULT '{}') RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    r record;
    ms bigint;
BEGIN
    IF cardinality(mods) = 0 THEN
        ms := sqlite_compat_canon(t);
        IF ms IS NOT NULL THEN
            RETURN ms / 1000 - 210866760000;
        END IF;
    END IF;
    r := sqlite_compat_eval(t, mods);
    IF NOT r.ok THEN
        RETURN NULL;
    END IF;
    RETURN r.ijd / 1000 - 210866760000;
END;
$$;

CREATE OR REPLACE FUNCTION strftime(fmt text, t text, VARIADIC mods text[] DEFAULT '{}') RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    r record;
    out text := '';
    i int := 1;
    n int;
    c text;
    jan1 bigint;
    n_day int;
    wd int;
    sec float8;
BEGIN
    IF fmt IS NULL THEN
        RETURN NULL;
    END IF;
    r := sqlite_compat_eval(t, mods);
    IF NOT r.ok THEN
        RETURN NULL;
    END IF;
    n := length(fmt);
    WHILE i <= n LOOP
        c := substr(fmt, i, 1);
        IF c <> '%' THEN
            out := out || c;
        ELSE
            i := i + 1;
            c := substr(fmt, i, 1);
            CASE c
                WHEN 'd' THEN out := out || lpad(r.d::text, 2, '0');
                WHEN 'f' THEN
                    sec := least(r.s, 59.999);
                    out := out || lpad(to_char(sec, 'FM990.000'), 6, '0');
                WHEN 'H' THEN out := out || lpad(r.h::text, 2, '0');
                WHEN 'W', 'j' THEN
                    jan1 := sqlite_compat_jd(r.y, 1, 1) + r.h * 3600000 + r.mi * 60000
                            + trunc(r.s * 1000.0 + 0.5)::bigint;
                    n_day := ((r.ijd - jan1 + 43200000) / 86400000)::int;
                    IF c = 'W' THEN
                        wd := ((r.ijd + 43200000) / 86400000 % 7)::int;
                        out := out || lpad(((n_day + 7 - wd) / 7)::text, 2, '0');
                    ELSE
                        out := out || lpad((n_day + 1)::text, 3, '0');
                    END IF;
                WHEN 'J' THEN out := out || (r.ijd / 86400000.0::float8)::text;
                WHEN 'm' THEN out := out || lpad(r.mo::text, 2, '0');
                WHEN 'M' THEN out := out || lpad(r.mi::text, 2, '0');
                WHEN 's' THEN out := out || (r.ijd / 1000 - 210866760000)::text;
                WHEN 'S' THEN out := out || lpad(trunc(r.s)::int::text, 2, '0');
                WHEN 'w' THEN out := out || ((r.ijd + 129600000) / 86400000 % 7)::text;
                WHEN 'Y' THEN out := out || CASE WHEN r.y >= 0 THEN lpad(r.y::text, 4, '0') WHEN r.y > -1000 THEN '-' || lpad((-r.y)::text, 3, '0') ELSE r.y::text END;  -- C's %04d
                WHEN '%' THEN out := out || '%';
                ELSE RETURN NULL;
            END CASE;
        END IF;
        i := i + 1;
    END LOOP;
    RETURN out;
END;
$$;

-- A float as SQLite writes it as text ("%!.15g"): 15 significant digits, and '.0' when whole (1.0, 1.0e+20).
CREATE OR REPLACE FUNCTION sqlite_compat_real_text(x float8) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    t text;
BEGIN
    IF x = 'Infinity'::float8 THEN
        RETURN 'Inf';
    ELSIF x = '-Infinity'::float8 THEN
        RETURN '-Inf';
    ELSIF x <> x THEN
        RETURN NULL;
    END IF;
    t := (x::numeric::float8)::text;  -- float8 -> numeric keeps 15 significant digits
    IF t ~ 'e' THEN
        IF split_part(t, 'e', 1) !~ '\.' THEN
            t := split_part(t, 'e', 1) || '.0e' || split_part(t, 'e', 2);
        END IF;
    ELSIF t !~ '\.' THEN
        t := t || '.0';
    END IF;
    RETURN t;
END;
$$;

-- instr(haystack, needle): 1-based position of the first occurrence, 0 when absent, 1 for ''.
CREATE OR REPLACE FUNCTION instr(haystack text, needle text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT strpos($1, $2) $$;

-- ifnull(a, b): COALESCE of two.
CREATE OR REPLACE FUNCTION ifnull(a anycompatible, b anycompatible) RETURNS anycompatible
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT COALESCE($1, $2) $$;

-- printf(format, x): SQLite's printf for one number: %d %i %f %x %s with flags (- + space 0), width
-- and precision, and %%. A second conversion has no argument: it prints as 0 (or '' for %s), as in
-- SQLite. %f rounds half away from zero, as SQLite's own printf does. %s prints the number as a real.
CREATE OR REPLACE FUNCTION printf(fmt text, x float8) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    out text := '';
    i int := 1;
    n int;
    m text[];
    flags text;
    width int;
    prec int;
    conv text;
    arg float8;
    used boolean := false;
    body text;
    sign text;
    pad int;
BEGIN
    IF fmt IS NULL THEN
        RETURN NULL;
    END IF;
    n := length(fmt);
    WHILE i <= n LOOP
        IF substr(fmt, i, 1) <> '%' THEN
            out := out || substr(fmt, i, 1);
            i := i + 1;
            CONTINUE;
        END IF;
        m := regexp_match(substr(fmt, i), '^(%([-+ 0]*)([0-9]*)(\.([0-9]*))?([a-zA-Z%]))');
        IF m IS NULL THEN
            RETURN out || substr(fmt, i);  -- an incomplete conversion is written as it is
        END IF;
        i := i + length(m[1]);
        conv := m[6];
        IF conv = '%' THEN
            out := out || '%';
            CONTINUE;
        END IF;
        IF conv NOT IN ('d', 'i', 'f', 'x', 's') THEN
            RETURN out;  -- a conversion this port does not write
        END IF;
        flags := m[2];
        width := coalesce(nullif(m[3], '')::int, 0);
        prec := CASE WHEN m[4] IS NULL THEN NULL ELSE coalesce(nullif(m[5], '')::int, 0) END;
        arg := CASE WHEN used THEN NULL ELSE x END;
        used := true;
        sign := '';
        IF conv = 's' THEN
            body := coalesce(sqlite_compat_real_text(arg), '');
            IF prec IS NOT NULL THEN
                body := left(body, prec);
            END IF;
        ELSE
            arg := coalesce(arg, 0);
            IF conv IN ('d', 'i') THEN
                body := abs(trunc(arg))::numeric::text;
                IF trunc(arg) < 0 THEN sign := '-'; END IF;
            ELSIF conv = 'x' THEN
                body := to_hex(trunc(arg)::bigint);
            ELSE
                body := round(abs(arg)::numeric, coalesce(prec, 6))::text;
                IF arg < 0 THEN sign := '-'; END IF;
            END IF;
            IF sign = '' AND conv <> 'x' THEN
                sign := CASE WHEN strpos(flags, '+') > 0 THEN '+' WHEN strpos(flags, ' ') > 0 THEN ' ' ELSE '' END;
            END IF;
        END IF;
        pad := width - length(sign) - length(body);
        IF pad <= 0 THEN
            out := out || sign || body;
        ELSIF strpos(flags, '-') > 0 THEN
            out := out || sign || body || repeat(' ', pad);
        ELSIF strpos(flags, '0') > 0 AND conv <> 's' THEN
            out := out || sign || repeat('0', pad) || body;
        ELSE
            out := out || repeat(' ', pad) || sign || body;
        END IF;
    END LOOP;
    RETURN out;
END;
$$;

-- total(x): the float sum; 0.0 (not NULL) over no rows or only NULLs.
CREATE OR REPLACE AGGREGATE total(float8) (
    SFUNC = float8pl,
    STYPE = float8,
    INITCOND = '0',
    PARALLEL = SAFE
);

-- total(boolean): SQLite sums a comparison as 0/1.
CREATE OR REPLACE FUNCTION sqlite_compat_total_bool(acc float8, x boolean) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT CASE WHEN $2 THEN $1 + 1 ELSE $1 END $$;

CREATE OR REPLACE AGGREGATE total(boolean) (
    SFUNC = sqlite_compat_total_bool,
    STYPE = float8,
    INITCOND = '0',
    PARALLEL = SAFE
);

-- A value of any type as SQLite's text of it (a float as a real: 1.0, not 1).
CREATE OR REPLACE FUNCTION sqlite_compat_as_text(x anyelement) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF x IS NULL THEN
        RETURN NULL;
    ELSIF pg_typeof(x) IN ('double precision'::regtype, 'real'::regtype) THEN
        RETURN sqlite_compat_real_text(x::text::float8);
    ELSIF pg_typeof(x) = 'boolean'::regtype THEN
        RETURN CASE WHEN x::text::boolean THEN '1' ELSE '0' END;
    END IF;
    RETURN x::text;
END;
$$;

-- sum(comparison): SQLite sums a comparison as 0/1 (SUM(status = '已处理')); PostgreSQL has no
-- sum(boolean). An integer count of the true rows; NULL over no rows or only NULLs, as SUM.
CREATE OR REPLACE FUNCTION sqlite_compat_sum_bool(acc bigint, x boolean) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN $2 IS NULL THEN $1 WHEN $2 THEN coalesce($1, 0) + 1 ELSE coalesce($1, 0) END
$$;

CREATE OR REPLACE AGGREGATE sum(boolean) (
    SFUNC = sqlite_compat_sum_bool,
    STYPE = bigint,
    COMBINEFUNC = int8pl,
    PARALLEL = SAFE
);

-- round(x, digits) of a float: PostgreSQL has it for numeric only. Half away from zero, as SQLite.
-- (One-argument round(float) is PostgreSQL's own, which rounds half to even: round(2.5) is 2 there, 3
-- in SQLite.)
CREATE OR REPLACE FUNCTION round(x float8, digits integer) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT round($1::numeric, greatest($2, 0))::float8 $$;

-- group_concat(x [, separator]): the non-NULL values joined (',' by default; a NULL separator is '')
-- in the order the rows come; NULL over no rows or only NULLs; other types than text cast to text (a
-- float as SQLite writes it). group_concat(text) appends with the built-in array_append, in place:
-- linear (1M rows: ~2 s). The others run a PL/pgSQL step that copies its state each row: quadratic
-- (40k rows: ~30 s). For a large group with a separator use string_agg(x, sep), the same for text.
CREATE OR REPLACE FUNCTION sqlite_compat_gc_final(state text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN cardinality(array_remove($1, NULL)) > 0 THEN array_to_string($1, ',') END
$$;

CREATE OR REPLACE AGGREGATE group_concat(text) (
    SFUNC = array_append,
    STYPE = text[],
    INITCOND = '{}',
    FINALFUNC = sqlite_compat_gc_final,
    PARALLEL = SAFE
);

CREATE OR REPLACE FUNCTION sqlite_compat_gc_any(state text[], x anynonarray) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    state := array_append(state, sqlite_compat_as_text(x));
    RETURN state;
END;
$$;

CREATE OR REPLACE AGGREGATE group_concat(anynonarray) (
    SFUNC = sqlite_compat_gc_any,
    STYPE = text[],
    INITCOND = '{}',
    FINALFUNC = sqlite_compat_gc_final,
    PARALLEL = SAFE
);

-- With a separator the state holds value, separator, value, ... (each row's own separator, as SQLite).
CREATE OR REPLACE FUNCTION sqlite_compat_gc_sep(state text[], x text, sep text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF x IS NOT NULL THEN
        IF cardinality(state) > 0 THEN
            state := array_append(state, coalesce(sep, ''));
        END IF;
        state := array_append(state, x);
    END IF;
    RETURN state;
END;
$$;

CREATE OR REPLACE FUNCTION sqlite_compat_gc_any_sep(state text[], x anynonarray, sep text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF x IS NOT NULL THEN
        IF cardinality(state) > 0 THEN
            state := array_append(state, coalesce(sep, ''));
        END IF;
        state := array_append(state, sqlite_compat_as_text(x));
    END IF;
    RETURN state;
END;
$$;

CREATE OR REPLACE FUNCTION sqlite_compat_gc_sep_final(state text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT CASE WHEN cardinality($1) > 0 THEN array_to_string($1, '') END $$;

CREATE OR REPLACE AGGREGATE group_concat(text, text) (
    SFUNC = sqlite_compat_gc_sep,
    STYPE = text[],
    INITCOND = '{}',
    FINALFUNC = sqlite_compat_gc_sep_final,
    PARALLEL = SAFE
);

CREATE OR REPLACE AGGREGATE group_concat(anynonarray, text) (
    SFUNC = sqlite_compat_gc_any_sep,
    STYPE = text[],
    INITCOND = '{}',
    FINALFUNC = sqlite_compat_gc_sep_final,
    PARALLEL = SAFE
);

-- json_extract(json, path): '$', '$.key', '$."key"', '$[N]', '$[#-N]' and chains of them. Returns text:
-- a string unquoted, an integer as its digits, a real as SQLite writes one (1e3 -> 1000.0), true/false
-- as 1/0, null or a missing path as NULL, an object or array as JSON text without spaces, keys in their
-- order. Malformed JSON raises an error, as in SQLite. (SQLite returns numbers as numbers: compare the
-- result with a number only after a cast.)
CREATE OR REPLACE FUNCTION json_extract(doc text, path text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    v json;
    rest text;
    m text[];
    k int;
BEGIN
    v := doc::json;
    IF left(path, 1) <> '$' THEN
        RAISE EXCEPTION 'JSON path error near ''%''', path USING ERRCODE = '22023';
    END IF;
    rest := substr(path, 2);
    WHILE rest <> '' AND v IS NOT NULL LOOP
        IF left(rest, 2) = '."' THEN
            m := regexp_match(rest, '^\."([^"]*)"(.*)$');
        ELSIF left(rest, 1) = '.' THEN
            m := regexp_match(rest, '^\.([^.\[]+)(.*)$');
        ELSE
            m := regexp_match(rest, '^\[(#-)?([0-9]+)\](.*)$');
        END IF;
        IF m IS NULL THEN
            RAISE EXCEPTION 'JSON path error near ''%''', rest USING ERRCODE = '22023';
        END IF;
        IF left(rest, 1) = '.' THEN
            v := CASE WHEN json_typeof(v) = 'object' THEN v -> m[1] END;
            rest := m[2];
        ELSE
            k := m[2]::int;
            IF m[1] IS NOT NULL AND json_typeof(v) = 'array' THEN
                k := json_array_length(v) - k;
            END IF;
            v := CASE WHEN json_typeof(v) = 'array' AND k >= 0 THEN v -> k END;
            rest := m[3];
        END IF;
    END LOOP;
    RETURN sqlite_compat_json_value(v);
END;
$$;

-- A JSON value as json_extract gives it (see above).
CREATE OR REPLACE FUNCTION sqlite_compat_json_value(v json) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    t text;
BEGIN
    CASE json_typeof(v)
        WHEN 'null' THEN RETURN NULL;
        WHEN 'string' THEN RETURN v #>> '{}';
        WHEN 'boolean' THEN RETURN CASE WHEN v::text ~ 'true' THEN '1' ELSE '0' END;
        WHEN 'number' THEN
            t := btrim(v::text);
            IF t ~ '[.eE]' THEN
                RETURN sqlite_compat_real_text(t::float8);
            END IF;
            RETURN t;
        ELSE RETURN sqlite_compat_json_text(v);
    END CASE;
END;
$$;

-- JSON text the way SQLite writes it back: no spaces, keys in their order, numbers as written.
CREATE OR REPLACE FUNCTION sqlite_compat_json_text(v json) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    parts text[] := '{}';
    k text;
    e json;
BEGIN
    IF json_typeof(v) = 'object' THEN
        FOR k, e IN SELECT j.key, j.value FROM json_each(v) j LOOP
            parts := array_append(parts, to_json(k)::text || ':' || sqlite_compat_json_text(e));
        END LOOP;
        RETURN '{' || array_to_string(parts, ',') || '}';
    ELSIF json_typeof(v) = 'array' THEN
        FOR e IN SELECT j.value FROM json_array_elements(v) j LOOP
            parts := array_append(parts, sqlite_compat_json_text(e));
        END LOOP;
        RETURN '[' || array_to_string(parts, ',') || ']';
    ELSIF json_typeof(v) = 'string' THEN
        RETURN to_json(v #>> '{}')::text;
    END IF;
    RETURN btrim(v::text);
END;
$$;

-- One value as an element of a JSON array: a number as SQLite writes it, text quoted, NULL as null.
CREATE OR REPLACE FUNCTION sqlite_compat_json_quote(x anyelement) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF x IS NULL THEN
        RETURN 'null';
    ELSIF pg_typeof(x) IN ('double precision'::regtype, 'real'::regtype) THEN
        RETURN sqlite_compat_real_text(x::text::float8);
    ELSIF pg_typeof(x) = 'boolean'::regtype THEN
        RETURN CASE WHEN x::text::boolean THEN '1' ELSE '0' END;
    END IF;
    RETURN to_json(x)::text;
END;
$$;

-- json_group_array(x): a JSON array (text, no spaces) of the values in row order, NULL as null;
-- '[]' over no rows. Works as a window function too (OVER (PARTITION BY ...)). Its PL/pgSQL step
-- copies the state each row: fine for the store's partitions (an item's flags), slow on huge groups.
CREATE OR REPLACE FUNCTION sqlite_compat_jga_step(state text[], x anyelement) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    state := array_append(state, sqlite_compat_json_quote(x));
    RETURN state;
END;
$$;

CREATE OR REPLACE FUNCTION sqlite_compat_jga_final(state text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT '[' || array_to_string($1, ',') || ']' $$;

CREATE OR REPLACE AGGREGATE json_group_array(anyelement) (
    SFUNC = sqlite_compat_jga_step,
    STYPE = text[],
    INITCOND = '{}',
    FINALFUNC = sqlite_compat_jga_final
);
