"""The masking of :mod:`cxdesk.privacy` as PostgreSQL functions, for the 客服 views (:mod:`cxdesk.store.pg.roles`).

``cxdesk_masked.mask_nick(text)`` is :func:`cxdesk.privacy.mask_nick`; ``cxdesk_masked.mask_text(text)`` is
:func:`cxdesk.privacy.mask_text` (addresses keep their place part): the same rules in the same order,
each applied to the output of the one before, every masked character one ``*`` (so evidence offsets
stay valid). The patterns are the Python ones, translated to PostgreSQL's regular expressions here
(lookbehind and ``regexp_instr`` need PostgreSQL 15): ``\\d`` is ASCII and full-width digits, ``\\w`` of
an e-mail's name ASCII, Latin and CJK letters and digits. Where the two regex engines choose a
different match (PostgreSQL prefers the longest), the result can differ in a few characters;
tests/test_pg_roles.py holds both to the cases of tests/test_privacy.py.

A text is only scanned when it holds something a rule needs (a digit, ``@``, a name or address label,
a place word): most chat messages are returned as they are without running the eight rules.
"""

from __future__ import annotations

from cxdesk import privacy

SCHEMA = "cxdesk_masked"
_CJK = r"\u4e00-\u9fff"
_D = r"[0-9\uff10-\uff19]"
_SEP = r"[-－—. \u3000]?"
# Python's \w in an e-mail's local part, spelled out (the server's classes depend on its locale).
_W = r"0-9A-Za-z_\u00c0-\u024f\u3400-\u4dbf\u4e00-\u9fff\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
_DISTRICT = "(?<![小社园校])区"

EMAIL = rf"(?<![{_W}.+-])([{_W}.+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
ID_CARD = rf"(?<![0-9A-Za-z\uff10-\uff19])({_D}{{17}}[0-9Xx\uff10-\uff19])(?![0-9A-Za-z\uff10-\uff19])"
MOBILE = rf"(?<!{_D})((?:\+?86[- ]?)?)(1[3-9]{_D})({_SEP})({_D}{{4}})({_SEP})({_D}{{4}})(?!{_D})"
LANDLINE = rf"(?<!{_D})(0{_D}{{2,3}}[- ]|[(（]0{_D}{{2,3}}[)）]\s?)({_D}{{7,8}})(?!{_D})"
NAME_LABELS = "收货人|收件人|联系人|签收人|取件人|提货人|持卡人|开户人|户名|姓名|名字"
ADDRESS_LABELS = "收货地址|收件地址|详细地址|新地址|地址|住址|寄到|送到|发到"
STREET_WORDS = "(?:路|街|大街|大道|巷|弄|胡同)"
NAME = (
    rf"(?<!\[)({NAME_LABELS})(\s*(?:[:：]|是|为|叫)?\s*)"
    rf"((?:{privacy._COMPOUND_SURNAMES}|[{privacy._SURNAMES}])(?:(?!电话|手机|联系|地址|号码|先生|女士|小姐|收)[{_CJK}·]){{1,2}})"
)
LABELLED_ADDRESS = (
    rf"(?<!\[)({ADDRESS_LABELS})(\s*(?:[:：]|是|为|改成|改为)?\s*)"
    r"((?:(?!电话|手机|联系人|收货人|收件人|姓名)[^，,。；;！!？?\n]){4,80})"
)
STREET_ADDRESS = (
    rf"[{_CJK}0-9A-Za-z]{{1,12}}{STREET_WORDS}\s*{_D}+\s*(?:号|弄)"
    rf"(?:\s*[0-9A-Za-z\-]+\s*(?:号楼|栋|幢|座|单元|楼|层|室|号))*"
)
# Its first quantifier is lazy, which would make PostgreSQL's whole match the shortest: {1,1} makes it greedy.
PLACE_ADDRESS = rf"(?:[{_CJK}]{{2,8}}?(?:省|自治区|市|自治州)[{_CJK}]{{1,8}}?(?:市|{_DISTRICT}|县|旗)[^\s，,。；;！!？?*]{{2,60}}){{1,1}}"
PLACE_START = (
    r"北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|"
    rf"贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门|[{_CJK}]{{2,8}}?(?:省|自治区|市|自治州|{_DISTRICT}|县|旗)"
)
ADDRESS_DETAIL = rf"路|街|巷|弄|胡同|村|组|小区|社区|大厦|花园|公寓|苑|栋|幢|单元|号楼|{_D}+\s*(?:号|栋|幢|座|单元|楼|层|室|弄)|{_D}+-{_D}+"
ADDRESS_PART = rf"{ADDRESS_DETAIL}|省|市|区|县|镇|乡|旗|^[0-9A-Za-z#\-\uff10-\uff19]+$"
NUMBERED_DETAIL = rf"{_D}+\s*(?:号|栋|幢|座|单元|楼|层|室|弄)|{_D}+-{_D}+"
# Python's lazy ``[…]{1,8}?省`` (the first 省 after at least one character) spelled without laziness: PostgreSQL
# would give the whole pattern the longest match and run past the first 区 (朝阳区建国路东区).
PLACE = (
    rf"(?:[{_CJK}](?:(?!省|自治区)[{_CJK}]){{0,7}}(?:省|自治区))?"
    rf"(?:[{_CJK}](?:(?!市|自治州|地区|盟)[{_CJK}]){{0,7}}(?:市|自治州|地区|盟))?"
    rf"(?:[{_CJK}](?:(?!区|县|旗|市)[{_CJK}]){{0,7}}(?:{_DISTRICT}|县|旗|市))?"
)
# What a text needs before any rule can match it.
QUICK = (
    r"[0-9\uff10-\uff19@]|收货|收件|联系人|签收人|取件人|提货人|持卡人|开户人|户名|姓名|名字|地址|住址|寄到|送到|发到"
    r"|省|自治|市"
)


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# One rule: find each match in the text as the rule found it (``src``), replace it in ``t`` (same length).
_LOOP = """
    IF t ~ {gate} THEN
    src := t; pos := 1;
    LOOP
        pos := regexp_instr(src, {pattern}, pos);
        EXIT WHEN pos = 0;
        m := regexp_match(substr(src, pos), {anchored});
        w := m[1];
        r := {replace};
        t := overlay(t PLACING r FROM pos FOR length(w));
        pos := pos + greatest(length(w), 1);
    END LOOP;
    END IF;
"""


def _rule(gate: str, pattern: str, replace: str) -> str:
    """A rule's loop, run only when the text holds ``gate`` (something every match of ``pattern`` holds:
    a cheap test that spares most texts the rule's lookarounds)."""
    return _LOOP.format(gate=_q(gate), pattern=_q(pattern), anchored=_q("^(" + pattern + ")"), replace=replace)


def functions_sql() -> str:
    """The SQL that (re-)creates the masking functions in the ``cxdesk_masked`` schema."""
    not_names = "ARRAY[" + ", ".join(_q(n) for n in privacy._NOT_NAMES) + "]"
    s = SCHEMA
    not_a_name = f"m[4] LIKE ANY (SELECT x || '%' FROM unnest({not_names}) x)"
    rules = "".join(
        _rule(gate, pattern, replace)
        for gate, pattern, replace in (
            ("@", EMAIL, f"{s}.keep_ends(m[2], 1, 0) || '@' || m[3]"),
            (_D + "{17}", ID_CARD, f"CASE WHEN {s}.is_id(m[2]) THEN {s}.keep_ends(m[2], 3, 2) ELSE w END"),
            ("1[3-9]" + _D, MOBILE, "m[2] || m[3] || m[4] || repeat('*', length(m[5])) || m[6] || m[7]"),
            ("0" + _D + "{2}", LANDLINE, f"m[2] || {s}.keep_ends(m[3], 0, 2)"),
            (NAME_LABELS, NAME, f"CASE WHEN {not_a_name} THEN w ELSE m[2] || m[3] || {s}.keep_ends(m[4], 1, 0) END"),
            (ADDRESS_LABELS, LABELLED_ADDRESS, f"{s}.labelled_address(m[2], m[3], m[4])"),
            (STREET_WORDS + r"\s*" + _D, STREET_ADDRESS, f"{s}.address_detail(w, 1)"),
            ("省|自治区|市|自治州", PLACE_ADDRESS, f"{s}.address_detail(w, 1)"),
        )
    )
    return f"""
CREATE OR REPLACE FUNCTION {s}.mask_nick(n text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN n IS NULL OR n = '' THEN n WHEN length(n) = 1 THEN '*' WHEN length(n) = 2 THEN left(n, 1) || '*'
                ELSE left(n, 1) || repeat('*', least(3, length(n) - 2)) || right(n, 1) END $$;

CREATE OR REPLACE FUNCTION {s}.keep_ends(v text, head int, tail int) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN length(v) <= head + tail THEN repeat('*', length(v))
                ELSE left(v, head) || repeat('*', length(v) - head - tail) || right(v, tail) END $$;

CREATE OR REPLACE FUNCTION {s}.is_id(v text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    n text := upper(translate(v, '０１２３４５６７８９ｘ', '0123456789X'));
    w int[] := ARRAY[7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    total int := 0;
BEGIN
    IF NOT (substr(n, 7, 4)::int BETWEEN 1900 AND 2100 AND substr(n, 11, 2)::int BETWEEN 1 AND 12
            AND substr(n, 13, 2)::int BETWEEN 1 AND 31) THEN
        RETURN false;
    END IF;
    FOR i IN 1..17 LOOP
        total := total + substr(n, i, 1)::int * w[i];
    END LOOP;
    RETURN substr('10X98765432', total % 11 + 1, 1) = substr(n, 18, 1);
END $$;

-- privacy._address_end: where the address from position ``start`` ends (1-based, exclusive)
CREATE OR REPLACE FUNCTION {s}.address_end(v text, start int) RETURNS int LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    rest text := substr(v, start);
    pos int := 1;
    part text;
    i int := 0;
    stop int := start;
BEGIN
    LOOP
        pos := regexp_instr(rest, '\\S+', pos);
        EXIT WHEN pos = 0;
        part := substring(substr(rest, pos) FROM '^\\S+');
        EXIT WHEN i > 0 AND length(part) > 3 AND part !~ {_q(ADDRESS_PART)};
        stop := start + pos - 1 + length(part);
        pos := pos + length(part);
        i := i + 1;
    END LOOP;
    RETURN stop;
END $$;

-- privacy._address_detail (keep_place): keep the place from ``start`` (1-based), star the rest of the address
CREATE OR REPLACE FUNCTION {
        s
    }.address_detail(v text, start int) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    place_end int := start + coalesce(length(substring(substr(v, start) FROM {_q("^(?:" + PLACE + ")")})), 0);
    stop int;
BEGIN
    IF substr(v, place_end) !~ {_q(ADDRESS_DETAIL)} THEN
        RETURN v;
    END IF;
    stop := {s}.address_end(v, place_end);
    RETURN left(v, place_end - 1) || regexp_replace(substr(v, place_end, stop - place_end), '\\S', '*', 'g')
           || substr(v, stop);
END $$;

CREATE OR REPLACE FUNCTION {s}.labelled_address(label text, sep text, v text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    place int := regexp_instr(v, {_q(PLACE_START)});
BEGIN
    IF place > 0 AND strpos({_q(privacy._NOT_ADDRESS_START)}, substr(v, place, 1)) > 0 THEN
        RETURN label || sep || v;
    END IF;
    IF place = 0 AND (strpos({_q(privacy._NOT_ADDRESS_START)}, left(ltrim(v), 1)) > 0 OR v !~ {
        _q(NUMBERED_DETAIL)
    }) THEN
        RETURN label || sep || v;
    END IF;
    RETURN label || sep || {s}.address_detail(v, greatest(place, 1));
END $$;

CREATE OR REPLACE FUNCTION {s}.mask_text_rules(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $f$
DECLARE
    src text; pos int; m text[]; w text; r text;
BEGIN
{rules}
    RETURN t;
END $f$;

-- An SQL function: inlined into each query (and index), so a text no rule can match costs one test.
CREATE OR REPLACE FUNCTION {s}.mask_text(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN t ~ {_q(QUICK)} THEN {s}.mask_text_rules(t) ELSE t END $$;
"""
