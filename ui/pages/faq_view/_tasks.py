"""Background loads of 常见问题 and the plain results they return.

Each load is a ``fn(ctx, ...)`` for :class:`ui.workers.Job` reading through
its own read-only connection; the inputs are a frozen :class:`FaqQuery`
built on the GUI thread (STYLE §7). All SQL is in :mod:`cxdesk.store.faq`.
On the demo a list load takes a few ms, but ``answers`` of a large cluster
takes seconds (one sentiment and order look-up per question), so every read
runs here, never in a slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cxdesk.store import open_reader
from cxdesk.store.faq import FaqAnswer, FaqCluster, FaqPeriods, FaqQuestion
from cxdesk.store.repos import Repos
from cxdesk.tasks import JobContext

QUESTIONS_SHOWN = 300
CHART_TOP = 5


@dataclass(frozen=True)
class FaqQuery:
    """What the filter bar asks for."""

    sort: str = "size"
    search: str = ""
    product: str | None = None
    include_hidden: bool = False
    bucket: str = "week"
    shop_id: int | None = None  # one shop's questions only (two shops never share one list)


@dataclass(frozen=True)
class ListResult:
    query: FaqQuery
    clusters: list[FaqCluster]
    products: list[tuple[str, int]]
    counts: tuple[int, int, int]  # questions, clustered, visible clusters
    periods: FaqPeriods
    timeline: list[tuple[str, int, int]]  # (period, cluster id, questions) of the chart's clusters
    chart_labels: dict[int, str]
    shops: tuple[tuple[int, str, str], ...] | list = ()  # (id, name, platform) of the shops with questions


@dataclass(frozen=True)
class DetailResult:
    cluster_id: int
    cluster: dict | None
    variants: list[tuple[str, int]]
    questions: list[FaqQuestion]
    total_questions: int  # with the product filter


@dataclass(frozen=True)
class AnswersResult:
    cluster_id: int
    sort: str
    answers: list[FaqAnswer]


def load_list(ctx: JobContext, db_path: Path, query: FaqQuery) -> ListResult:
    """The clusters for ``query`` (pinned first), the product choices and the chart's series."""
    conn = open_reader(db_path)
    repo = Repos(conn).faq
    try:
        clusters = repo.list_clusters(
            sort=query.sort,
            search=query.search,
            product=query.product,
            include_hidden=query.include_hidden,
            shop_id=query.shop_id,
        )
        ctx.check()
        top = [
            c
            for c in repo.list_clusters(product=query.product, search=query.search, shop_id=query.shop_id)
            if not c.hidden
        ][:CHART_TOP]
        timeline = (
            repo.timeline([c.id for c in top], bucket=query.bucket, product=query.product, shop_id=query.shop_id)
            if top
            else []
        )
        return ListResult(
            query,
            clusters,
            repo.products(query.shop_id),
            repo.counts(),
            repo.periods(),
            timeline,
            {c.id: c.label for c in top},
            repo.shops(),
        )
    finally:
        conn.close()


def load_detail(
    ctx: JobContext, db_path: Path, cluster_id: int, product: str | None, shop_id: int | None = None
) -> DetailResult:
    """One cluster's row, its wordings and its newest questions (of ``product`` / ``shop_id`` when given)."""
    conn = open_reader(db_path)
    repo = Repos(conn).faq
    try:
        cluster = repo.cluster(cluster_id)
        if cluster is None:
            return DetailResult(cluster_id, None, [], [], 0)
        variants = repo.variants(cluster_id, limit=30)
        ctx.check()
        questions = repo.questions(cluster_id, product=product, limit=QUESTIONS_SHOWN, shop_id=shop_id)
        total = (
            cluster["size"]
            if not product and shop_id is None
            else repo.question_count(cluster_id, product=product, shop_id=shop_id)
        )
        return DetailResult(cluster_id, cluster, variants, questions, total)
    finally:
        conn.close()


def load_answers(ctx: JobContext, db_path: Path, cluster_id: int, sort: str) -> AnswersResult:
    """The agents' first replies to this cluster's questions, ranked by ``sort`` ('count' or 'outcome')."""
    conn = open_reader(db_path)
    repo = Repos(conn).faq
    try:
        return AnswersResult(cluster_id, sort, repo.answers(cluster_id, sort=sort, limit=30))
    finally:
        conn.close()
