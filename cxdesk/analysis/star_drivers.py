"""差评原因: which aspect complaints (and praises) go with a shop's low ratings.

The shop's own ratings say which reviews were 差评 (1–2★, or 评价等级 差评) and which 好评
(4–5★, 好评); the aspect stage says what each review praises or complains about. A logistic
regression of 差评 against 好评 on one indicator per (aspect, polarity) then says how much each
one moves the odds of a low rating **with the other aspects held fixed**: a review that
complains about 物流 and about 质量 does not count twice for either. That is what "drives a low
star" means here, and it is the number a shop owner can act on: fix what carries the weight.

Every driver also keeps its plain counts (how many 差评 and 好评 mention it), so the weight can
be checked by hand. Counted are the first reviews (the rating is given with them, not with the
追评), only reviews that have text and that the aspect stage has read, and only 正面/负面
mentions (中性 says nothing about the rating). 中评 (3★) and unrated reviews are left out.
The overall aspect (整体: 「很失望」 without saying about what) is fitted like the others, so the
rest are weighed beside plain disappointment, but it is never named as a cause to fix.

Weights are L2-regularised log odds (``C`` below), so an aspect seen in a handful of reviews
stays near 0 instead of getting an extreme weight from chance; an aspect mentioned in fewer
than :data:`MIN_MENTIONS` rated reviews is not fitted at all. Without :data:`MIN_PER_CLASS`
差评 and 好评 there is no result, and the reason says why. docs/metrics.md (差评原因) has the
user's version of this text.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cxdesk.ratings import BAD, GOOD

if TYPE_CHECKING:
    from cxdesk.store.voc import VocFilter, VocRepo

MIN_PER_CLASS = 20  # 差评 and 好评 each, below which no driver is computed
MIN_MENTIONS = 10  # rated reviews an (aspect, polarity) must appear in to get a weight
C = 1.0  # inverse L2 strength of the logistic regression
CLEAR_RATIO = 1.5  # a driver is named as a cause only with odds ×1.5 or more …
Z95 = 1.96  # … and a 95 % interval that stays above ×1
POLARITIES = ("负面", "正面")

# One row per (review, mention): (review id, rating class, aspect or None, polarity or None).
RatedMention = tuple[int, int, "str | None", "str | None"]


@dataclass(frozen=True)
class Driver:
    """One (aspect, polarity) and how it goes with low ratings."""

    aspect: str
    polarity: str
    bad_with: int  # 差评 that mention it
    good_with: int  # 好评 that mention it
    weight: float  # log odds of 差评, other aspects held fixed
    stderr: float = 0.0  # its standard error (the fit's curvature, regularisation included)

    @property
    def odds_ratio(self) -> float:
        return math.exp(self.weight)

    @property
    def mentions(self) -> int:
        return self.bad_with + self.good_with

    @property
    def bad_rate(self) -> float:
        """Of the rated reviews that mention it, the share that are 差评."""
        return self.bad_with / self.mentions if self.mentions else 0.0

    @property
    def label(self) -> str:
        return f"{self.aspect}·{self.polarity}"

    @property
    def ratio_interval(self) -> tuple[float, float]:
        """95 % interval of the odds ratio."""
        return math.exp(self.weight - Z95 * self.stderr), math.exp(self.weight + Z95 * self.stderr)

    @property
    def clear(self) -> bool:
        """Clearly tied to the rating: odds ×1.5 or more (÷1.5 for praise), interval not crossing ×1."""
        low, high = self.ratio_interval
        return (self.odds_ratio >= CLEAR_RATIO and low > 1) or (self.odds_ratio <= 1 / CLEAR_RATIO and high < 1)

    def ratio_text(self) -> str:
        """「×3.2」 / 「×0.45」: the odds ratio, two digits below 1 where one would hide the difference."""
        ratio = self.odds_ratio
        return f"×{ratio:.1f}" if ratio >= 0.95 else f"×{ratio:.2f}"

    def effect(self) -> str:
        """「差评几率 ×3.2」: the odds ratio in words, as sentences use it."""
        return f"差评几率 {self.ratio_text()}"


@dataclass(frozen=True)
class DriverResult:
    """The drivers of one set of rated reviews, strongest push towards 差评 first."""

    n_bad: int
    n_good: int
    bad_without_complaint: int  # 差评 in which no complaint about a named aspect was read
    drivers: list[Driver] = field(default_factory=list)
    reason: str | None = None  # why there are no drivers (too few ratings), in Chinese
    overall: str = "整体"  # the aspect of opinions that name no aspect: fitted, never named as a cause

    @property
    def base_bad_rate(self) -> float:
        total = self.n_bad + self.n_good
        return self.n_bad / total if total else 0.0

    @property
    def complaint_coverage(self) -> float:
        """Share of 差评 in which at least one aspect complaint was read."""
        return 1 - self.bad_without_complaint / self.n_bad if self.n_bad else 0.0

    def towards_bad(self) -> list[Driver]:
        """Aspects whose mention clearly makes a low rating likelier, strongest first (not the overall one)."""
        return [d for d in self.drivers if d.weight > 0 and d.clear and d.aspect != self.overall]

    def describe(self, driver: Driver) -> str:
        """One sentence a shop owner can read: counts, the rate beside the shop's own, the weight."""
        low, high = driver.ratio_interval
        if driver.aspect == self.overall:
            verdict = "没说是哪方面，一并计算以免高估其他方面，不列为原因"
        else:
            verdict = "" if driver.clear else "与评分的关系不明显"
        return (
            f"{driver.label}：{driver.bad_with:,} 条差评和 {driver.good_with:,} 条好评提到；提到它的评分评价中"
            f"差评占 {driver.bad_rate:.0%}（全部评分评价 {self.base_bad_rate:.0%}）；其他方面相同时{driver.effect()}"
            f"（95% 区间 ×{low:.2f}–×{high:.2f}）{'；' + verdict if verdict else ''}。"
        )

    def summary(self) -> str:
        if self.reason:
            return self.reason
        top = self.towards_bad()[:3]
        lead = f"最拉低评分的：{'、'.join(d.label for d in top)}" if top else "没有哪个方面明显拉低评分"
        return (
            f"{self.n_bad:,} 条差评、{self.n_good:,} 条好评（不含中评和无评分）。{lead}。"
            f"{self.complaint_coverage:.0%} 的差评读出了具体的方面抱怨。"
        )


def star_drivers(
    rows: Iterable[RatedMention],
    *,
    overall: str = "整体",
    min_per_class: int = MIN_PER_CLASS,
    min_mentions: int = MIN_MENTIONS,
) -> DriverResult:
    """Fit the drivers from one row per (review, mention); a review without mentions has one row of Nones.

    ``rows`` come from :meth:`cxdesk.store.voc.VocRepo.rated_mentions` (read once, as they come:
    a store's rows are never held as a list). Rating classes other than 差评/好评 and polarities
    other than 正面/负面 are ignored. ``overall`` is the lexicon's overall aspect
    (:attr:`cxdesk.analysis.aspects.AspectLexicon.overall`).
    """
    import numpy as np

    review_row: dict[int, int] = {}  # review id → row of the design matrix
    bad: list[bool] = []
    keys: dict[tuple[str, str], int] = {}  # (aspect, polarity) → column before filtering
    pair_rows: list[int] = []
    pair_keys: list[int] = []
    for review_id, rating_class, aspect, polarity in rows:
        if rating_class not in (BAD, GOOD):
            continue
        row = review_row.get(review_id)
        if row is None:
            row = review_row[review_id] = len(bad)
            bad.append(rating_class == BAD)
        if aspect and polarity in POLARITIES:
            pair_rows.append(row)
            pair_keys.append(keys.setdefault((aspect, polarity), len(keys)))
    is_bad = np.array(bad, dtype=bool)
    n_bad = int(is_bad.sum())
    n_good = len(bad) - n_bad
    # One (review, key) pair per review however often it says it.
    width = max(1, len(keys))
    code = np.unique(np.array(pair_rows, dtype=np.int64) * width + np.array(pair_keys, dtype=np.int64))
    rows_of, keys_of = code // width, code % width
    named_complaint = np.array([p == "负面" and a != overall for a, p in keys], dtype=bool)
    complained = np.zeros(len(bad), dtype=bool)
    complained[rows_of[named_complaint[keys_of]]] = True
    bad_without = int((is_bad & ~complained).sum())
    if n_bad < min_per_class or n_good < min_per_class:
        reason = (
            f"评分评价不足，无法判断差评原因：差评 {n_bad:,} 条、好评 {n_good:,} 条（有文字且已分析方面的），"
            f"每类至少需要 {min_per_class} 条。"
        )
        return DriverResult(n_bad, n_good, bad_without, [], reason, overall)

    bad_counts = np.bincount(keys_of[is_bad[rows_of]], minlength=len(keys))
    all_counts = np.bincount(keys_of, minlength=len(keys))
    kept = sorted(key for key, k in keys.items() if all_counts[k] >= min_mentions)
    if not kept:
        return DriverResult(n_bad, n_good, bad_without, [], None, overall)
    column = np.full(len(keys), -1, dtype=np.int64)
    for c, key in enumerate(kept):
        column[keys[key]] = c
    used = column[keys_of] >= 0
    weights, errors = _fit(is_bad, rows_of[used], column[keys_of[used]], len(kept))
    drivers = []
    for (aspect, polarity), w, e in zip(kept, weights, errors):
        k = keys[(aspect, polarity)]
        b = int(bad_counts[k])
        drivers.append(Driver(aspect, polarity, b, int(all_counts[k]) - b, float(w), float(e)))
    drivers.sort(key=lambda d: (-d.weight, -d.bad_with, d.aspect, d.polarity))
    return DriverResult(n_bad, n_good, bad_without, drivers, None, overall)


def drivers_for(voc: VocRepo, flt: VocFilter) -> DriverResult:
    """The drivers of the reviews ``flt`` chooses (only :meth:`VocFilter.drivers_part` of it applies)."""
    from cxdesk.analysis.aspects import default_overall

    return star_drivers(voc.rated_mentions(flt), overall=default_overall())


def _fit(is_bad, rows, columns, n_features: int):
    """L2 logistic regression of 差评 on the (aspect, polarity) indicators: weights and standard errors.

    ``rows``/``columns`` are the indicator matrix's ones (one per review and feature). The errors
    come from the inverse of the penalised log-likelihood's curvature at the fit (Z'WZ + I/C over
    [intercept, indicators], the intercept unpenalised): the usual Wald errors, made a little
    smaller by the regularisation, as the weights are.
    """
    import numpy as np
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    x = sparse.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(len(is_bad), n_features))
    y = is_bad.astype(np.int8)
    model = LogisticRegression(C=C, solver="lbfgs", max_iter=1000)  # lbfgs leaves the intercept unpenalised
    model.fit(x, y)
    p = model.predict_proba(x)[:, 1]
    z = sparse.hstack([sparse.csr_matrix(np.ones((len(y), 1))), x], format="csr")
    curvature = np.asarray((z.T @ z.multiply((p * (1 - p))[:, None])).todense())
    curvature[1:, 1:] += np.eye(n_features) / C
    covariance = np.linalg.pinv(curvature)
    return model.coef_[0], np.sqrt(np.clip(np.diag(covariance)[1:], 0, None))
