"""Buyer turns, agent parts and sessions of every chat, as columns: the basis of the agent KPIs.

The rules are those of :mod:`cxdesk.analysis.turns` (the shared definition),
applied to all messages at once with numpy instead of one Python loop per
session:

* system and bot messages are left out (and agent-role messages from
  accounts that are really bots or the platform: those of ``lexicons/roles.json``,
  which older imports stored as agents, and of ``capability.json``'s ``not_agent_*``);
* a buyer's consecutive messages form one turn, starting at its first message;
* the reply to a turn is the agent's first message after it; the wait runs
  from the turn's first message to that reply;
* agent messages before the first buyer message answer nothing;
* messages without a time give turns without waits (NaN), never zero.

Each turn has an *owner*: the agent who replied, else the agent who last
spoke in the session before it (an unanswered question is theirs), else
nobody (a session no agent answered belongs only to the team). An agent's
*part* of a session is its own messages plus the buyer turns it owns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxdesk.analysis.service_time import load_config as load_service_config
from cxdesk.analysis.service_time import timing_for
from cxdesk.roles import role_rules
from cxdesk.times import plausible_epoch_range

DAY_S = 86_400
_PUNCT = r"[\s\W_]+"


@dataclass
class AgentFrames:
    """Everything the KPIs aggregate, one table per grain.

    ``agents`` lists the agent accounts; ``code`` columns index into it
    (-1 = no agent). ``sx`` columns index rows of ``sessions``.
    """

    agents: list[str]
    sessions: pd.DataFrame
    parts: pd.DataFrame
    turns: pd.DataFrame
    handoffs: pd.DataFrame
    orders: pd.DataFrame
    has_sentiment: bool
    has_risk: bool
    # KPI tables already aggregated from these frames (agent_kpis.cached_kpi_table); they go with the frames,
    # which are rebuilt on every data change.
    tables: dict = field(default_factory=dict, repr=False, compare=False)


def _seconds(values) -> np.ndarray:
    """'YYYY-MM-DD HH:MM:SS…' strings → float seconds (NaN for missing, unreadable or implausible).

    numpy parses the usual exact format ~10× faster than pandas; anything else
    (fractions, stray text) goes through pandas with the first 19 characters.
    Times outside :func:`cxdesk.times.plausible_range` (0001-01-01 of an older store) count as missing.
    """
    arr = np.asarray(values, dtype=object)
    try:
        with np.errstate(all="ignore"):
            parsed = arr.astype("datetime64[s]")
        out = parsed.astype(np.int64).astype(np.float64)
        out[np.isnat(parsed)] = np.nan
    except (ValueError, TypeError, OverflowError):
        s = pd.Series(arr, dtype=object).str.slice(0, 19)
        dt = pd.to_datetime(s, format="%Y-%m-%d %H:%M:%S", errors="coerce")
        out = dt.to_numpy(dtype="datetime64[s]").astype(np.int64).astype(np.float64)
        out[dt.isna().to_numpy()] = np.nan
    lo, hi = plausible_epoch_range()
    out[(out < lo) | (out > hi)] = np.nan
    return out


def _on_unique(values: pd.Series, test) -> np.ndarray:
    """``test(unique values) -> bool array``, spread back to every value (chat texts repeat a lot)."""
    if values.empty:
        return np.zeros(0, dtype=bool)
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
    return np.asarray(test(pd.Series(uniques, dtype=object)), dtype=bool)[codes]


class _Texts:
    """Every message text factorized once: each test runs on the distinct texts it needs.

    Agents' quick replies and buyers' short lines repeat a lot, and a
    pandas ``str`` method costs ~1 µs per element in Python.
    """

    def __init__(self, values: np.ndarray) -> None:
        self.codes, uniques = pd.factorize(values, use_na_sentinel=False)
        self.uniques = pd.Series(uniques, dtype=object).fillna("")

    def test(self, positions: np.ndarray, fn) -> np.ndarray:
        """``fn(distinct texts) -> bool array`` for the texts at ``positions``."""
        if not len(positions):
            return np.zeros(0, dtype=bool)
        codes = self.codes[positions]
        # The distinct texts needed, by counting instead of sorting (np.unique sorts: ~0.3 s at 450k).
        needed = np.flatnonzero(np.bincount(codes, minlength=len(self.uniques)))
        lookup = np.empty(len(self.uniques), dtype=np.int64)
        lookup[needed] = np.arange(len(needed))
        return np.asarray(fn(self.uniques.iloc[needed].reset_index(drop=True)), dtype=bool)[lookup[codes]]

    def contains(self, positions: np.ndarray, pattern: re.Pattern | None) -> np.ndarray:
        if pattern is None:
            return np.zeros(len(positions), dtype=bool)
        return self.test(positions, lambda u: u.str.contains(pattern).to_numpy(dtype=bool))

    def lengths(self, positions: np.ndarray) -> np.ndarray:
        lens = np.fromiter((len(u) for u in self.uniques), dtype=np.int64, count=len(self.uniques))
        return lens[self.codes[positions]]


def phrase_pattern(phrases: list[str]) -> re.Pattern | None:
    """One alternation of the escaped phrases, longest first (None when the list is empty)."""
    words = sorted({p for p in phrases if p}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words)) if words else None


def _contains(texts: pd.Series, pattern: re.Pattern | None) -> np.ndarray:
    if pattern is None or texts.empty:
        return np.zeros(len(texts), dtype=bool)
    return _on_unique(texts, lambda u: u.str.contains(pattern, na=False).to_numpy(dtype=bool))


def _is_bot_sender(senders: pd.Series, config: dict) -> np.ndarray:
    """Agent-role senders that are not agents: the bot and system accounts of ``roles.json`` (the
    importers store their new messages as bot/system already; stores imported before hold
    them as agents) and the extra names of capability.json's ``not_agent_*`` lists."""
    names = set(config.get("not_agent_senders", []))
    suffixes = tuple(config.get("not_agent_sender_suffixes", []))
    rules = role_rules()
    return _on_unique(
        senders,
        lambda u: np.array(
            [
                isinstance(s, str) and (s in names or s.endswith(suffixes) or rules.sender_role(s) is not None)
                for s in u
            ],
            dtype=bool,
        ),
    )


def _closing(texts: _Texts, positions: np.ndarray, service: dict) -> np.ndarray:
    """service_time.is_closing, vectorised: an empty line or one of the closing phrases."""
    phrases = {re.sub(_PUNCT, "", p).lower() for p in service.get("closing_phrases", [])}

    def test(u: pd.Series) -> np.ndarray:
        core = u.str.replace(_PUNCT, "", regex=True).str.lower()
        return ((core == "") | core.isin(phrases)).to_numpy(dtype=bool)

    return texts.test(positions, test)


def counted_waits(start: np.ndarray, end: np.ndarray, hours: tuple[int, int] | None) -> np.ndarray:
    """service_time.counted_seconds for arrays: only ``hours`` (from, to) of each day count."""
    if hours is None:
        return end - start
    lo, hi = hours[0] * 3600.0, hours[1] * 3600.0
    width = hi - lo

    def cumulative(t: np.ndarray) -> np.ndarray:
        day = np.floor(t / DAY_S)
        return day * width + np.clip(t - day * DAY_S - lo, 0.0, width)

    return np.where(end > start, cumulative(end) - cumulative(start), end - start)


def _last_in_run(keys: np.ndarray) -> np.ndarray:
    return np.r_[keys[1:] != keys[:-1], True] if len(keys) else np.zeros(0, dtype=bool)


def _first_in_run(keys: np.ndarray) -> np.ndarray:
    return np.r_[True, keys[1:] != keys[:-1]] if len(keys) else np.zeros(0, dtype=bool)


def build_frames(
    messages: dict[str, list],
    sessions: dict[str, list],
    orders: dict[str, list],
    config: dict,
    *,
    flags: dict[str, list] | None = None,
    repeated: list[int] | None = None,
    labels_of=None,
    has_sentiment: bool = False,
    has_risk: bool = False,
    service: dict | None = None,
) -> AgentFrames:
    """All frames from the store's columns (see :class:`cxdesk.store.agents.AgentsRepo`).

    ``labels_of(ids) -> {id: label}`` looks up the sentiment of the buyers'
    last messages (only those are needed).
    """
    service = service or load_service_config()
    cols = {
        k: np.asarray(messages.get(k, []), dtype=dtype)
        for k, dtype in (
            ("id", np.int64),
            ("session_id", np.int64),
            ("seq", np.int64),
            ("is_agent", bool),
            ("t", np.float64),
            ("sender", object),
            ("content", object),
        )
    }
    is_agent_role = cols["is_agent"]
    keep = ~is_agent_role
    keep[is_agent_role] = ~_is_bot_sender(pd.Series(cols["sender"][is_agent_role], dtype=object), config)
    ids = cols["id"][keep]
    sid = cols["session_id"][keep]
    seq = cols["seq"][keep]
    order = None
    # Messages usually come in session and sequence order already: check (~10 ms) before sorting (~0.3 s).
    if len(sid) > 1 and not np.all((sid[1:] > sid[:-1]) | ((sid[1:] == sid[:-1]) & (seq[1:] >= seq[:-1]))):
        order = np.lexsort((ids, seq, sid))
        ids, sid, seq = ids[order], sid[order], seq[order]

    def column(name: str) -> np.ndarray:
        values = cols[name][keep]
        return values if order is None else values[order]

    msg_ids = ids
    sess_tab = (
        pd.DataFrame(sessions).set_index("id")
        if len(sessions.get("id", []))
        else pd.DataFrame(columns=["shop_id", "platform", "buyer", "transferred"])
    )
    n = len(sid)
    is_a = column("is_agent")
    is_b = ~is_a
    t = column("t")
    senders = column("sender")[is_a]
    senders[pd.isna(senders)] = "（未署名客服）"
    codes_all, agents = pd.factorize(senders) if is_a.any() else (np.zeros(0, np.int64), pd.Index([]))
    code = np.full(n, -1, dtype=np.int64)
    code[is_a] = codes_all
    content = _Texts(column("content"))

    # --- sessions: position of each message's session -----------------------------
    new_sess = _first_in_run(sid)
    sx = np.cumsum(new_sess) - 1
    sess_start_pos = np.flatnonzero(new_sess)
    sess_ids = sid[sess_start_pos]
    pos = np.arange(n)

    # --- turns ---------------------------------------------------------------------
    prev_b = np.r_[False, is_b[:-1]] & ~new_sess if n else np.zeros(0, dtype=bool)
    turn_start = is_b & ~prev_b
    tcum = np.cumsum(turn_start)
    base = (tcum - turn_start)[sess_start_pos][sx] if n else np.zeros(0, np.int64)
    turn_of = np.where(tcum > base, tcum, 0)
    start_pos = np.flatnonzero(turn_start)
    n_turns = len(start_pos)
    bpos = np.flatnonzero(is_b)
    tb = turn_of[bpos]
    last_b = np.zeros(n_turns + 1, dtype=np.int64)
    last_b[tb[_last_in_run(tb)]] = bpos[_last_in_run(tb)]
    turn_msgs = np.bincount(tb, minlength=n_turns + 1)
    apos = np.flatnonzero(is_a & (turn_of > 0))
    ta = turn_of[apos]
    reply_pos = np.full(n_turns + 1, -1, dtype=np.int64)
    reply_pos[ta[_first_in_run(ta)]] = apos[_first_in_run(ta)]
    # The agent who spoke last before each message (same session), for unanswered turns.
    last_a = np.maximum.accumulate(np.where(is_a, pos, -1)) if n else np.zeros(0, np.int64)
    before = np.r_[-1, last_a[:-1]] if n else last_a
    prev_agent = np.where(before >= sess_start_pos[sx], code[np.maximum(before, 0)], -1) if n else before

    k = np.arange(1, n_turns + 1)
    rp = reply_pos[k]
    answered = rp >= 0
    t_start = t[start_pos]
    t_reply = np.where(answered, t[np.maximum(rp, 0)], np.nan)
    owner = np.where(answered, code[np.maximum(rp, 0)], prev_agent[start_pos])
    turn_sx = sx[start_pos]
    platform = sess_tab["platform"].reindex(sess_ids).fillna("default").to_numpy(object)
    wait = t_reply - t_start
    counted = wait.copy()
    warn = np.empty(n_turns)
    # Per session first, then per turn: np.unique over 370k strings sorts Python objects (~0.3 s).
    plat_codes, plats = pd.factorize(platform)
    turn_plat = plat_codes[turn_sx]
    for i, plat in enumerate(plats if n_turns else []):
        timing = timing_for(str(plat), service)
        sel = turn_plat == i
        warn[sel] = timing.warn_s
        counted[sel] = counted_waits(t_start[sel], t_reply[sel], timing.counted_hours)
    last_pos = last_b[k]
    closing = _closing(content, last_pos, service)
    question = content.contains(last_pos, phrase_pattern(service.get("question_markers", ["?", "？"]))) & ~closing
    any_answer = np.zeros(len(sess_ids), dtype=bool)
    any_answer[turn_sx[answered]] = True
    needs_reply = ~answered & (question | ~any_answer[turn_sx])
    first_turn = _first_in_run(turn_sx)
    deferral = np.zeros(n, dtype=bool)
    deferral[apos] = content.contains(apos, phrase_pattern(config.get("deferral_phrases", [])))
    deferred = np.bincount(turn_of[apos], weights=deferral[apos], minlength=n_turns + 1)[k] > 0

    # --- hand-offs: consecutive agent messages of one session by different agents ------
    ap = np.flatnonzero(is_a)
    same = (sid[ap][1:] == sid[ap][:-1]) & (code[ap][1:] != code[ap][:-1])
    handoffs = pd.DataFrame(
        {
            "sx": sx[ap][1:][same],
            "from_code": code[ap][:-1][same],
            "to_code": code[ap][1:][same],
            "seq": seq[ap][1:][same],
        }
    )
    away = _transferred_away(turn_sx, owner, seq[start_pos], handoffs)

    turns = pd.DataFrame(
        {
            "sx": turn_sx,
            "owner": owner,
            "first_seq": seq[start_pos],
            "start": t_start,
            "msgs": turn_msgs[k],
            "answered": answered,
            "reply_seq": np.where(answered, seq[np.maximum(rp, 0)], -1),
            "wait": wait,
            "counted": counted,
            "slow": answered & (counted > warn),
            "needs_reply": needs_reply,
            "question": question,
            "deferred": deferred & answered,
            "away": away,
            "first": first_turn,
        }
    )

    # --- parts: (session, owner) ---------------------------------------------------------
    msg_owner = np.where(is_a, code, owner[np.maximum(turn_of - 1, 0)] if n_turns else -1)
    msg_owner = np.where(is_b & (turn_of == 0), -1, msg_owner)
    parts = _parts(sx, msg_owner, is_a, code, t, content, config)

    sessions_df = _sessions(sess_ids, sx, t, is_b, is_a, code, msg_ids, sess_tab, turns, handoffs)
    _add_session_outcomes(sessions_df, labels_of, repeated or [])
    _add_flags(parts, msg_ids, sx, code, flags, config)
    return AgentFrames(
        list(map(str, agents)), sessions_df, parts, turns, handoffs, _orders(orders), has_sentiment, has_risk
    )


def _transferred_away(
    turn_sx: np.ndarray, owner: np.ndarray, first_seq: np.ndarray, handoffs: pd.DataFrame
) -> np.ndarray:
    """Whether the turn's owner handed the session to another agent after the turn began."""
    if handoffs.empty or not len(turn_sx):
        return np.zeros(len(turn_sx), dtype=bool)
    last = handoffs.groupby(["sx", "from_code"])["seq"].max()
    key = pd.MultiIndex.from_arrays([turn_sx, owner])
    after = last.reindex(key).to_numpy()
    return np.nan_to_num(after, nan=-1) > first_seq


def _parts(sx, owner, is_a, code, t, content: _Texts, config: dict) -> pd.DataFrame:
    keep = owner >= -1
    df = pd.DataFrame(
        {
            "sx": sx[keep],
            "code": owner[keep],
            "is_a": is_a[keep] & (code[keep] == owner[keep]),
            "t": t[keep],
            "chars": np.where(is_a, content.lengths(np.arange(len(sx))), 0)[keep],
            "pos": np.arange(len(sx))[keep],
        }
    )
    agent_rows = np.flatnonzero(df["is_a"].to_numpy())
    courtesy = np.zeros(len(df), dtype=bool)
    courtesy[agent_rows] = content.contains(
        df["pos"].to_numpy()[agent_rows], phrase_pattern(config.get("courtesy_words", []))
    )
    df["courtesy"] = courtesy
    g = df.groupby(["sx", "code"], sort=True)
    parts = g.agg(
        buyer_msgs=("is_a", "size"),
        agent_msgs=("is_a", "sum"),
        chars=("chars", "sum"),
        start=("t", "min"),
        end=("t", "max"),
        courtesy=("courtesy", "sum"),
    ).reset_index()
    parts["buyer_msgs"] = parts["buyer_msgs"] - parts["agent_msgs"]
    ag = df[df["is_a"]]
    firsts = ag.groupby(["sx", "code"])["pos"].min()
    lasts = ag.groupby(["sx", "code"])["pos"].max()
    key = pd.MultiIndex.from_frame(parts[["sx", "code"]])
    first_pos = firsts.reindex(key).to_numpy()
    last_pos = lasts.reindex(key).to_numpy()
    parts["greeted"] = _flag_at(content, first_pos, phrase_pattern(config.get("greeting_phrases", [])))
    parts["closed"] = _flag_at(content, last_pos, phrase_pattern(config.get("closing_phrases", [])))
    parts["duration"] = parts["end"] - parts["start"]
    return parts


def _flag_at(content: _Texts, positions: np.ndarray, pattern) -> np.ndarray:
    out = np.zeros(len(positions), dtype=bool)
    ok = ~np.isnan(positions.astype(float))
    if ok.any():
        out[ok] = content.contains(positions[ok].astype(np.int64), pattern)
    return out


def _sessions(
    sess_ids, sx, t, is_b, is_a, code, msg_ids, sess_tab: pd.DataFrame, turns: pd.DataFrame, handoffs: pd.DataFrame
) -> pd.DataFrame:
    n_s = len(sess_ids)
    df = pd.DataFrame({"sx": sx, "t": t})
    g = df.groupby("sx")["t"]
    info = sess_tab.reindex(sess_ids)
    out = pd.DataFrame(
        {
            "sx": np.arange(n_s),
            "session_id": sess_ids,
            "shop_id": info["shop_id"].to_numpy(),
            "platform": info["platform"].to_numpy(),
            "buyer": info["buyer"].to_numpy(),
            "start": g.min().reindex(range(n_s)).to_numpy(),
            "end": g.max().reindex(range(n_s)).to_numpy(),
        }
    )
    out["duration"] = out["end"] - out["start"]
    ap = np.flatnonzero(is_a)
    last_agent = np.full(n_s, -1, dtype=np.int64)
    last_agent[sx[ap]] = code[ap]  # ascending positions: the last write is the last agent message
    out["last_agent"] = last_agent
    bp = np.flatnonzero(is_b)
    last_buyer = np.full(n_s, -1, dtype=np.int64)
    last_buyer[sx[bp]] = msg_ids[bp]
    out["last_buyer_msg"] = last_buyer
    out["answered"] = np.bincount(turns["sx"], weights=turns["answered"], minlength=n_s) > 0 if n_s else []
    out["handoffs"] = np.bincount(handoffs["sx"], minlength=n_s) if n_s else []
    out["bkey"] = pd.factorize(pd.Series(list(zip(out["shop_id"], out["buyer"])), dtype=object))[0] if n_s else []
    return out


def _add_session_outcomes(sessions: pd.DataFrame, labels_of, repeated: list[int]) -> None:
    """The buyer's tone at the end (last buyer message) and whether the buyer came back (48 h)."""
    ids = sessions["last_buyer_msg"].to_numpy()
    labels = labels_of([int(i) for i in ids if i >= 0]) if labels_of is not None else {}
    sessions["end_label"] = pd.Series(ids).map(labels).to_numpy(object)
    sessions["repeated"] = sessions["session_id"].isin(set(repeated)).to_numpy()


def _add_flags(parts: pd.DataFrame, msg_ids: np.ndarray, sx, code, flags: dict[str, list] | None, config: dict) -> None:
    """Agent flags (risk rules, 误报 excluded) on each part's own messages: any / rude."""
    parts["flagged"] = False
    parts["rude"] = False
    parts["flags"] = 0
    if not flags or not flags.get("message_id"):
        return
    f = pd.DataFrame(flags)
    where = pd.Series(np.arange(len(msg_ids)), index=msg_ids)
    f = f[f["message_id"].isin(where.index)]
    p = where.reindex(f["message_id"]).to_numpy()
    hits = pd.DataFrame(
        {"sx": sx[p], "code": code[p], "rude": f["rule_id"].isin(config.get("rude_rules", [])).to_numpy()}
    )
    hits = hits[hits["code"] >= 0]
    key = pd.MultiIndex.from_frame(parts[["sx", "code"]])
    any_hit = hits.groupby(["sx", "code"]).size()
    rude = hits[hits["rude"]].groupby(["sx", "code"]).size()
    parts["flagged"] = any_hit.reindex(key).fillna(0).to_numpy() > 0
    parts["rude"] = rude.reindex(key).fillna(0).to_numpy() > 0
    parts["flags"] = any_hit.reindex(key).fillna(0).astype(int).to_numpy()


def _orders(orders: dict[str, list]) -> pd.DataFrame:
    o = pd.DataFrame(orders)
    if o.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype=float) for c in ("shop_id", "buyer", "created", "paid", "amount")}
        ).assign(refund_status=pd.Series(dtype=object))
    return pd.DataFrame(
        {
            "shop_id": o["shop_id"],
            "buyer": o["buyer"],
            "created": _seconds(o["created_at"]),
            "paid": _seconds(o["paid_at"]),
            "amount": pd.to_numeric(o["amount"], errors="coerce"),
            "refund_status": o["refund_status"],
        }
    )
