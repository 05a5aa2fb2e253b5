"""Every repository of the store, reached by name from one object.

:class:`Repos` wraps a connection and builds each repository the first time it is asked
for (``repos.flags``, ``repos.risk_queue``...), so opening a store stays cheap and code
never builds a repository from a raw connection itself. :class:`cxdesk.store.Store` is a
``Repos`` over its writer (or reader) connection; an analysis stage in a worker process,
which only has the read-only connection it opened, uses ``Repos(conn)``.
"""

from __future__ import annotations

import sqlite3
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the modules are imported on first use: start-up reads only what it needs
    from cxdesk.store.agent_reports import AgentReportsRepo
    from cxdesk.store.agents import AgentsRepo
    from cxdesk.store.batches import BatchesRepo
    from cxdesk.store.buyer_data import BuyerDataRepo
    from cxdesk.store.chats import ChatsRepo
    from cxdesk.store.dashboard import DashboardRepo
    from cxdesk.store.exports import ExportsRepo
    from cxdesk.store.faq import FaqRepo
    from cxdesk.store.flags import FlagsRepo
    from cxdesk.store.meta import MetaRepo
    from cxdesk.store.orders import OrdersRepo
    from cxdesk.store.results import ResultsRepo
    from cxdesk.store.reviews import ReviewsRepo
    from cxdesk.store.risk_queue import RiskQueueRepo
    from cxdesk.store.risk_scores import RiskScoresRepo
    from cxdesk.store.search_index import SearchIndexRepo
    from cxdesk.store.sessions_browse import SessionsBrowseRepo
    from cxdesk.store.shop_models import ShopModelsRepo
    from cxdesk.store.shops import ShopsRepo
    from cxdesk.store.text_vectors import TextVectorsRepo
    from cxdesk.store.timeline import TimelineRepo
    from cxdesk.store.voc import VocRepo


class Repos:
    """The repositories over one connection, each built on first use."""

    conn: sqlite3.Connection

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    # --- imported data ------------------------------------------------------------------------
    @cached_property
    def shops(self) -> ShopsRepo:
        from cxdesk.store.shops import ShopsRepo

        return ShopsRepo(self.conn)

    @cached_property
    def batches(self) -> BatchesRepo:
        from cxdesk.store.batches import BatchesRepo

        return BatchesRepo(self.conn)

    @cached_property
    def reviews(self) -> ReviewsRepo:
        from cxdesk.store.reviews import ReviewsRepo

        return ReviewsRepo(self.conn)

    @cached_property
    def chats(self) -> ChatsRepo:
        from cxdesk.store.chats import ChatsRepo

        return ChatsRepo(self.conn)

    @cached_property
    def orders(self) -> OrdersRepo:
        from cxdesk.store.orders import OrdersRepo

        return OrdersRepo(self.conn)

    @cached_property
    def agent_reports(self) -> AgentReportsRepo:
        from cxdesk.store.agent_reports import AgentReportsRepo

        return AgentReportsRepo(self.conn)

    @cached_property
    def meta(self) -> MetaRepo:
        from cxdesk.store.meta import MetaRepo

        return MetaRepo(self.conn)

    # --- analysis results ---------------------------------------------------------------------
    @cached_property
    def results(self) -> ResultsRepo:
        from cxdesk.store.results import ResultsRepo

        return ResultsRepo(self.conn)

    @cached_property
    def shop_models(self) -> ShopModelsRepo:
        from cxdesk.store.shop_models import ShopModelsRepo

        return ShopModelsRepo(self.conn)

    @cached_property
    def flags(self) -> FlagsRepo:
        from cxdesk.store.flags import FlagsRepo

        return FlagsRepo(self.conn)

    @cached_property
    def risk_scores(self) -> RiskScoresRepo:
        from cxdesk.store.risk_scores import RiskScoresRepo

        return RiskScoresRepo(self.conn)

    @cached_property
    def faq(self) -> FaqRepo:
        from cxdesk.store.faq import FaqRepo

        return FaqRepo(self.conn)

    @cached_property
    def text_vectors(self) -> TextVectorsRepo:
        from cxdesk.store.text_vectors import TextVectorsRepo

        return TextVectorsRepo(self.conn)

    @cached_property
    def search_index(self) -> SearchIndexRepo:
        from cxdesk.store.catalog import is_postgres

        if is_postgres(self.conn):  # the team store searches its texts through trigram indexes
            from cxdesk.store.pg.search import PgSearchIndexRepo

            return PgSearchIndexRepo(self.conn)  # type: ignore[return-value]
        from cxdesk.store.search_index import SearchIndexRepo

        return SearchIndexRepo(self.conn)

    # --- what the pages read ------------------------------------------------------------------
    @cached_property
    def dashboard(self) -> DashboardRepo:
        from cxdesk.store.dashboard import DashboardRepo

        return DashboardRepo(self.conn)

    @cached_property
    def risk_queue(self) -> RiskQueueRepo:
        from cxdesk.store.risk_queue import RiskQueueRepo

        return RiskQueueRepo(self.conn)

    @cached_property
    def sessions_browse(self) -> SessionsBrowseRepo:
        from cxdesk.store.sessions_browse import SessionsBrowseRepo

        return SessionsBrowseRepo(self.conn)

    @cached_property
    def voc(self) -> VocRepo:
        from cxdesk.store.voc import VocRepo

        return VocRepo(self.conn)

    @cached_property
    def agents(self) -> AgentsRepo:
        from cxdesk.store.agents import AgentsRepo

        return AgentsRepo(self.conn)

    @cached_property
    def timeline(self) -> TimelineRepo:
        from cxdesk.store.timeline import TimelineRepo

        return TimelineRepo(self.conn)

    @cached_property
    def exports(self) -> ExportsRepo:
        from cxdesk.store.exports import ExportsRepo

        return ExportsRepo(self.conn)

    # --- a buyer's personal data (preview and delete) ----------------------------------------
    @cached_property
    def buyer_data(self) -> BuyerDataRepo:
        from cxdesk.store.buyer_data import BuyerDataRepo

        return BuyerDataRepo(self.conn)
