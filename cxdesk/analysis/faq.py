"""Clustering any list of texts with the FAQ method (the ``cluster`` command, the benchmark).

:func:`cluster_texts` normalises every text (masks, no punctuation), collapses
identical normalised forms, clusters the distinct forms
(:func:`cxdesk.analysis.faq_cluster.cluster_vectors`) and labels each
cluster with its most central text and keywords. No question filter: every
text gets a cluster (a text like no other is a cluster of one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from cxdesk.analysis.faq_cluster import Vectoriser, cluster_vectors, join_vectors, summarise, vector_mean, vector_text
from cxdesk.analysis.faq_text import FaqRules
from cxdesk.tasks import JobContext, NullContext


def make_words(extra_words: Sequence[str] = ()) -> Callable[[str], list[str]]:
    """A word splitter (jieba with the user dictionary and ``extra_words``) for features and keywords.

    Dictionary words only: jieba's guesses at unknown words cut across words in short questions
    (收到货后 → 货后, 这单退了 → 单退), and a keyword must be a word a shop owner reads as one.
    """
    from cxdesk.textprep import Tokenizer

    tokenizer = Tokenizer(extra_words)
    return tokenizer.dictionary_tokens


@dataclass
class TextClusters:
    """Cluster number of each input text (0 = largest cluster) and each cluster's label."""

    labels: list[int]
    names: dict[int, str] = field(default_factory=dict)
    keywords: dict[int, list[str]] = field(default_factory=dict)
    sizes: dict[int, int] = field(default_factory=dict)
    distinct: int = 0

    @property
    def n_clusters(self) -> int:
        return len(self.sizes)


# Platform masks ([数字x], [订单x] …) and the normal form's ({数字} …): never shown in a label.
_LABEL_MASK = re.compile(r"\[[^\[\]\s]{1,8}[xX]\]|\{[^{}]{1,4}\}")
_REPEATED = re.compile(r"(.{2,}?)(?:[\s,，。.!！?？~～]*\1)+")
_SPACES = re.compile(r"\s+")


def clean_label(text: str) -> str:
    """A label's question without mask tokens and with a phrase said twice said once."""
    text = _SPACES.sub(" ", _LABEL_MASK.sub(" ", text)).strip()
    return _REPEATED.sub(r"\1", text)


def label_text(central: str, keywords: Sequence[str]) -> str:
    """「central question（kw1 / kw2 / kw3）」: what a cluster is called until a user renames it.

    No mask token, no phrase twice: a keyword already in the question, or inside
    (or around) a keyword already shown, is left out."""
    central = clean_label(central)
    kws: list[str] = []
    for k in keywords:
        if _LABEL_MASK.search(k) or k in central or any(k in s or s in k for s in kws):
            continue
        kws.append(k)
        if len(kws) == 3:
            break
    if not central:
        return " / ".join(kws)
    return f"{central}（{' / '.join(kws)}）" if kws else central


def cluster_texts(
    texts: Sequence[str | None],
    *,
    rules: FaqRules | None = None,
    ctx: JobContext | None = None,
    words: Callable[[str], list[str]] | None = None,
    vectors: Callable[[Sequence[str]], np.ndarray] | None = None,
) -> TextClusters:
    """Cluster every text; empty texts (after normalisation) share cluster -1.

    ``vectors``: sentence vectors of a list of texts (e.g.
    :func:`cxdesk.analysis.sentence_vectors.encode`); given, and ``vector_weight`` > 0, each
    distinct normalised text's vector joins its TF-IDF row (:func:`join_vectors`).
    """
    ctx = ctx or NullContext()
    rules = rules or FaqRules.load()
    params = rules.cluster
    ctx.progress(0, 4, "规范化文本")
    norms = [rules.normalise(t) if t else "" for t in texts]
    index: dict[str, int] = {}
    inverse = np.empty(len(norms), dtype=np.int64)
    shown: list[str] = []
    for i, norm in enumerate(norms):
        j = index.setdefault(norm, len(index))
        if j == len(shown):
            shown.append(rules.display(rules.strip_boilerplate(texts[i] or "")))
        inverse[i] = j
    distinct = list(index)
    counts = np.bincount(inverse, minlength=len(distinct))
    ctx.check()
    if words is None:
        words = make_words()  # keywords always; features only when params.words
    vec = Vectoriser(params, words)
    raw = vec.counts(distinct)
    vec.fit_idf(raw)
    v = vec.weigh(raw)
    dense = None
    if vectors is not None and params.vector_weight > 0 and distinct:
        ctx.progress(0, 4, "计算语义向量")
        sv = np.asarray(vectors([vector_text(d) for d in distinct]), dtype=np.float32)
        v, dense = join_vectors(v, sv, vector_mean(sv), params.vector_weight)
    ctx.progress(1, 4, "聚类")
    groups = cluster_vectors(v, params, check=ctx.check, dense=dense)
    ctx.progress(3, 4, "生成标签")
    # Number clusters by size (most texts first), empty normalised texts apart.
    empty = index.get("")
    text_groups = groups[inverse]
    order = np.argsort(-np.bincount(text_groups), kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    result = TextClusters(labels=[], distinct=len(distinct))
    final = rank[groups]
    if empty is not None:
        final[empty] = -1
    result.labels = final[inverse].tolist()
    members_of: dict[int, list[int]] = {}
    for d, c in enumerate(final.tolist()):
        members_of.setdefault(c, []).append(d)
    for c, members in members_of.items():
        result.sizes[c] = int(counts[members].sum())
        if c < 0:
            result.names[c] = ""
            continue
        s = summarise(np.asarray(members), v, distinct, counts, words, rules.stopwords, params, vec.rarity, dense)
        result.keywords[c] = s.keywords
        result.names[c] = label_text(shown[s.central], s.keywords)
    ctx.progress(4, 4, "完成")
    return result


def sentence_encoder(ctx: JobContext) -> Callable[[Sequence[str]], np.ndarray] | None:
    """:func:`cxdesk.analysis.sentence_vectors.encode` with progress and cancel, or None without the encoder."""
    from cxdesk.analysis import sentence_vectors

    if not sentence_vectors.available():
        return None

    def encode(texts: Sequence[str]) -> np.ndarray:
        def progress(done: int, total: int) -> None:
            # the first quarter of cluster_texts' progress
            ctx.progress(done, 4 * total, f"计算语义向量 {done:,}/{total:,}")

        def cancelled() -> bool:
            ctx.check()
            return False

        return sentence_vectors.encode(texts, progress=progress, cancelled=cancelled)

    return encode


@dataclass
class ClusterFileSummary:
    rows: int
    clusters: int
    out: str

    def describe(self) -> str:
        return f"已把 {self.rows:,} 行分成 {self.clusters:,} 组，写入“{self.out}”。"


def _read_table(path: str):
    import pandas as pd

    from cxdesk.errors import CxdeskError

    if path.lower().endswith((".xlsx", ".xls")):
        return pd.read_excel(path, dtype=str, keep_default_na=False)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
        except UnicodeDecodeError:
            continue
        except FileNotFoundError as exc:
            raise CxdeskError(f"找不到文件“{path}”。") from exc
    raise CxdeskError(f"无法识别“{path}”的编码（试过 UTF-8 与 GB18030）。")


def cluster_file(
    ctx: JobContext,
    path: str,
    column: str,
    out: str,
    preset: str | None = None,
    *,
    store: str | None = None,
    keep_personal: bool = False,
) -> ClusterFileSummary:
    """Job: cluster every row of one text column of a CSV/XLSX; write the rows back with
    ``cluster_id`` and ``cluster_label`` (``cluster_id`` 0 is the largest group, -1 an empty text).

    ``out`` may not be the input file nor the database ``store``; personal data in the
    labels is masked unless ``keep_personal`` (the input's own columns are written back as they were)."""
    from cxdesk.errors import CxdeskError
    from cxdesk.outpaths import check_output_path
    from cxdesk.privacy import mask_text
    from cxdesk.tablewriter import write_table

    check_output_path(out, store=store, inputs=[path])
    if not out.lower().endswith((".csv", ".xlsx")):
        raise CxdeskError(f"输出文件须以 .csv 或 .xlsx 结尾：{out}")
    frame = _read_table(path)
    if column not in frame.columns:
        raise CxdeskError(f"“{path}”中没有列“{column}”。现有的列：{'、'.join(map(str, frame.columns))}")
    if frame.empty:
        raise CxdeskError(f"“{path}”只有表头，没有数据行：没有可分组的文本，未写出“{out}”。")
    rules = FaqRules.load().with_preset(preset)
    result = cluster_texts(frame[column].tolist(), rules=rules, ctx=ctx, vectors=sentence_encoder(ctx))
    frame["cluster_id"] = result.labels
    names = result.names if keep_personal else {c: mask_text(n) for c, n in result.names.items()}
    frame["cluster_label"] = [names.get(c, "") for c in result.labels]
    rows = list(frame.astype(object).itertuples(index=False, name=None))
    write_table(out, [str(c) for c in frame.columns], [rows], store=store, inputs=[path], sheet="Sheet1", stream=False)
    return ClusterFileSummary(len(frame), result.n_clusters, out)
