"""The list of known source formats and how detection picks one.

Specific formats come first and answer with high confidence when their
signature is present; :mod:`.table_generic` is the fallback for any table.
Adding a format = one module exposing a :class:`FormatSpec` + one line here.
"""

from __future__ import annotations

from cxdesk.errors import ImportFormatError
from cxdesk.importers import (
    agent_report,
    douyin_reviews,
    jd_chat_json,
    jd_reviews_json,
    jddc_tsv,
    pdd_json,
    qianniu_csv,
    qianniu_txt,
    table_generic,
    taobao_json,
)
from cxdesk.importers._model import FormatSpec, Guess, Probe

FORMATS: list[FormatSpec] = [
    qianniu_csv.FORMAT,
    agent_report.FORMAT,
    douyin_reviews.FORMAT,
    jddc_tsv.FORMAT,
    qianniu_txt.FORMAT,
    jd_chat_json.FORMAT,
    taobao_json.TMALL,
    taobao_json.FEED,
    taobao_json.TOP,
    jd_reviews_json.FORMAT,
    pdd_json.MERCHANT,
    pdd_json.CONSUMER,
    table_generic.FORMAT,
]
_BY_ID = {f.id: f for f in FORMATS}


def get(format_id: str) -> FormatSpec:
    try:
        return _BY_ID[format_id]
    except KeyError:
        raise ImportFormatError(f"未知的文件格式“{format_id}”。可用：{'、'.join(_BY_ID)}") from None


def best(probe: Probe) -> tuple[FormatSpec, Guess] | None:
    """The format with the most confident guess for this probe, or None."""
    found: tuple[FormatSpec, Guess] | None = None
    for spec in FORMATS:
        if probe.container not in spec.containers:
            continue
        guess = spec.sniff(probe)
        if guess is not None and (found is None or guess.confidence > found[1].confidence):
            found = (spec, guess)
    return found
