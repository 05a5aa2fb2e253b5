"""Shop calibration: fit a shop's own sentiment model on its rated reviews.

A shop's buyers have their own vocabulary (a food shop's 甜 is praise, a
phone shop's 烫 a complaint). Once a shop has enough rated reviews with text
(1–2★ against 4–5★, see ``MIN_PER_CLASS``), the engine fits a model on them
and uses it for the shop's unrated texts: chat messages and reviews without
stars. The held-out accuracy on the shop's own reviews is stored beside the
model, and the settings page shows it. A model is refitted when the shop's
rated reviews change (import or undo) or the shipped model changes.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from cxdesk.analysis.no_content import is_no_content
from cxdesk.analysis.sentiment import (
    CalibrationError,
    SentimentModel,
    fit_shop_model,
)
from cxdesk.analysis.stage import StageResult
from cxdesk.ratings import calibration_label
from cxdesk.store.shop_models import ShopModelInfo
from cxdesk.tasks import JobContext

# Reviews per class a shop model is fitted on at most: the fit grows faster than
# linearly (133k rated reviews took minutes and 1.7 GB), and accuracy has long
# levelled off by then. A fixed-seed sample keeps runs reproducible.
MAX_PER_CLASS = 10_000


@dataclass(frozen=True)
class ModelStatus:
    """Which sentiment model a shop's unrated texts get, for the settings page."""

    shop_name: str
    platform_label: str
    calibrated: bool
    version: str
    heldout_accuracy: float | None
    heldout_n: int
    n_pos: int
    n_neg: int
    fitted_at: str | None


def calibrate_shops(ctx: JobContext, store, base: SentimentModel) -> StageResult:
    """Fit (or drop) each shop's model where its rated reviews or the base model changed."""
    started = time.perf_counter()
    shops = store.shops.all()
    fitted = 0
    for i, shop in enumerate(shops):
        ctx.check()
        ctx.progress(i, len(shops), f"校准店铺情感模型：{shop.name}")
        fingerprint = store.shop_models.rated_fingerprint(shop.id)
        info = store.shop_models.info(shop.id)
        if info is not None and info.rated_fingerprint == fingerprint and info.base_version == base.version:
            continue
        rows = store.shop_models.rated_reviews(shop.id)
        texts = [t or "" for t, _ in rows]
        # 差评 → negative, 好评 → positive, 中评 unused: stars and 评价等级 words alike (cxdesk.ratings).
        labels = [None if is_no_content(t) else calibration_label(c) for t, (_, c) in zip(texts, rows)]
        labels = _cap_per_class(labels, MAX_PER_CLASS, seed=shop.id)
        try:
            # The model served is the one the held-out accuracy was measured on (one fit, not two:
            # liblinear on 20k reviews is the slowest part of a first analysis).
            model, accuracy = fit_shop_model(texts, labels, base, refit_all=False)
        except CalibrationError:
            if info is not None:  # e.g. reviews were undone: the old model no longer has its basis
                with store.transaction():
                    store.shop_models.delete(shop.id)
            continue
        with store.transaction():
            store.shop_models.put(
                ShopModelInfo(
                    shop.id,
                    model.version,
                    base.version,
                    accuracy,
                    int(model.info["heldout_n"]),
                    int(model.info["n_pos"]),
                    int(model.info["n_neg"]),
                    fingerprint,
                    "",
                ),
                model.to_bytes(),
            )
        fitted += 1
    ctx.progress(len(shops), len(shops), "店铺情感模型已校准")
    return StageResult("calibration", base.version, fitted, time.perf_counter() - started, unit="个店铺")


def _cap_per_class(labels: list[int | None], cap: int, *, seed: int) -> list[int | None]:
    """Keep at most ``cap`` labelled items per class (a fixed random sample); others become None."""
    rng = random.Random(seed)
    out = list(labels)
    for cls in (0, 1):
        idx = [i for i, y in enumerate(labels) if y == cls]
        if len(idx) > cap:
            for i in set(idx) - set(rng.sample(idx, cap)):
                out[i] = None
    return out


def model_status(store, base_version: str) -> list[ModelStatus]:
    """One line per shop: the calibrated model and its held-out accuracy, or the shipped model."""
    out = []
    for shop in store.shops.all():
        info = store.shop_models.info(shop.id)
        if info is None:
            out.append(ModelStatus(shop.name, shop.platform_label, False, base_version, None, 0, 0, 0, None))
        else:
            out.append(
                ModelStatus(
                    shop.name,
                    shop.platform_label,
                    True,
                    info.version,
                    info.heldout_accuracy,
                    info.heldout_n,
                    info.n_pos,
                    info.n_neg,
                    info.fitted_at,
                )
            )
    return out
