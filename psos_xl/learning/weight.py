"""The calibration weight k, learned from the firm's history (empirical Bayes, log space).

CalibratedHours = (k × catalog + n × P50) / (k + n) is the posterior mean of a normal
model when k = σ² / τ²: σ² how much one SKU × role's deliveries scatter, τ² how far the
catalog tends to be off. Both are read from the firm's own deliveries, in log space
because overruns are multiplicative (+30 % on 10 h and on 100 h is the same miss).

For each SKU × role j with n_j deliveries, x_ij = ln(normalised hours) and
c_j = ln(catalog hours):

- **within** (the firm's scatter): s² = Σ_j Σ_i (x_ij − x̄_j)² / Σ_j (n_j − 1);
- **scatter of j**: its own squares with the firm's scatter as one more delivery's worth,
  σ_j² = (s² + Σ_i (x_ij − x̄_j)²) / n_j (s² itself with at most one delivery);
- **between** (how far catalogs are off): j's offset o_j = x̄_j − c_j has expected square
  τ² + σ_j² / n_j, so with weights w_j = n_j / σ_j² (how precisely o_j is known),
  τ² = max(0, (Σ_j w_j × o_j² − m) / Σ_j w_j) over the m SKU × roles with history (a
  moment estimate: the offsets' spread less the part the scatter explains);
- **k_j** = σ_j² / τ², 0 when σ_j² = 0 (deliveries that agree exactly are the truth),
  at most :data:`MAX_WEIGHT` (τ² = 0: the catalog is as good as history can tell), rounded
  half-up to 2 decimals as the Actuals table shows it.

So history wins fast where deliveries agree and slowly where they scatter. Until the
firm has a SKU × role with two deliveries and two SKU × roles with any (nothing to tell
scatter from offset), k is :data:`~psos_xl.pricing.estimate.FALLBACK_PRIOR`; the
catalog's ``CalibrationPrior``, when set, fixes k instead.

P80 comes from the same model: the next delivery's log hours are normal around the
calibrated value with variance σ_j² × (1 + 1 / (k_j + n_j)) (the scatter plus what is
still unsure about the centre), so P80Hours = CalibratedHours × exp(z₀.₈ × σ_j ×
√(1 + 1 / (k_j + n_j))), z₀.₈ = :data:`Z80`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from psos_xl.pricing.estimate import FALLBACK_PRIOR
from psos_xl.pricing.money import ONE, ZERO

MAX_WEIGHT = Decimal(50)
Z80 = Decimal("0.8416212335729143")  # the standard normal's 80th percentile
WEIGHT_STEP = Decimal("0.01")

Key = tuple[str, str]


def round_weight(k: Decimal) -> Decimal:
    """k half-up to 2 decimals, as the Actuals table's CatalogWeight shows it."""
    return k.quantize(WEIGHT_STEP, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class History:
    """One SKU × role's deliveries in log space: n, mean log hours, the sum of squares
    around it, and the mean's offset from the catalog's log hours."""

    n: int
    mean: Decimal
    squares: Decimal
    offset: Decimal

    @classmethod
    def of(cls, catalog_hours: Decimal, normalised: Sequence[Decimal]) -> History | None:
        """None without deliveries or without positive catalog hours (no log)."""
        return cls.of_logs(catalog_hours, [v.ln() for v in normalised])

    @classmethod
    def of_logs(cls, catalog_hours: Decimal, logs: Sequence[Decimal]) -> History | None:
        """:meth:`of` with the logs of the normalised hours already taken."""
        if not logs or catalog_hours <= ZERO:
            return None
        ordered = sorted(logs)  # sorted: the same sums in any order
        first = ordered[0]
        # around the first value, so deliveries that agree exactly have squares of 0
        mean = first + sum((x - first for x in ordered), ZERO) / len(ordered)
        squares = sum(((x - mean) ** 2 for x in ordered), ZERO)
        return cls(len(ordered), mean, squares, mean - catalog_hours.ln())


@dataclass(frozen=True, slots=True)
class Spread:
    """What the firm's history says: the pooled within scatter s² (None with no
    SKU × role delivered twice) and the between spread τ² (None when not learnable)."""

    within: Decimal | None
    between: Decimal | None

    def scatter(self, history: History | None) -> Decimal | None:
        """σ_j²: the SKU × role's own squares and the firm's scatter, over n_j."""
        if self.within is None:
            return None
        if history is None or history.n < 2:
            return self.within
        return (self.within + history.squares) / history.n

    def weight(self, history: History | None) -> Decimal | None:
        """k_j = σ_j² / τ² (rounded as written), None when it cannot be learned."""
        scatter = self.scatter(history)
        if scatter is None or self.between is None:
            return None
        if scatter == ZERO:
            return ZERO
        if self.between == ZERO:
            return MAX_WEIGHT
        return round_weight(min(MAX_WEIGHT, scatter / self.between))


def learn_spread(histories: Iterable[History]) -> Spread:
    """The firm's within scatter and between spread of ``histories`` (see above)."""
    known = [h for h in histories if h.n > 0]
    df = sum(h.n - 1 for h in known)
    if df < 1:
        return Spread(None, None)
    within = sum((h.squares for h in known), ZERO) / df
    if len(known) < 2:
        return Spread(within, None)
    if within == ZERO:  # every k is 0; τ² only for the record
        return Spread(within, sum((h.offset**2 for h in known), ZERO) / len(known))
    spread = Spread(within, None)
    precision = [h.n / (spread.scatter(h) or within) for h in known]
    excess = sum((w * h.offset**2 for w, h in zip(precision, known, strict=True)), ZERO)
    return Spread(within, max(ZERO, (excess - len(known)) / sum(precision, ZERO)))


@dataclass(frozen=True, slots=True)
class Weights:
    """k and the scatter of every SKU × role, as :func:`weights` learned them."""

    spread: Spread
    histories: Mapping[Key, History]
    fixed: Decimal | None  # CalibrationPrior, when set

    @property
    def learned(self) -> bool:
        return self.fixed is None and self.spread.between is not None

    def k(self, key: Key) -> Decimal:
        """The k of ``key``: CalibrationPrior when set, else learned, else the fallback."""
        if self.fixed is not None:
            return self.fixed
        learned = self.spread.weight(self.histories.get(key))
        return FALLBACK_PRIOR if learned is None else learned

    def p80_factor(self, key: Key, n: int, k: Decimal) -> Decimal | None:
        """exp(z₀.₈ × σ × √(1 + 1 / (k + n))): P80 over the calibrated hours (None when
        the firm's scatter is not known yet)."""
        scatter = self.spread.scatter(self.histories.get(key))
        if scatter is None:
            return None
        total = k + n
        inflate = ONE + ONE / total if total > ZERO else ONE
        return (Z80 * (scatter * inflate).sqrt()).exp()


def weights(
    catalog_hours: Mapping[Key, Decimal],
    normalised: Mapping[Key, Sequence[Decimal]],
    fixed: Decimal | None = None,
) -> Weights:
    """Learn k from the normalised hours of each SKU × role the catalog lists
    (``catalog_hours``: its Services hours); ``fixed`` (CalibrationPrior) overrides k."""
    histories: dict[Key, History] = {}
    for key, hours in catalog_hours.items():
        history = History.of(hours, normalised.get(key, ()))
        if history is not None:
            histories[key] = history
    return learned_from(histories, fixed)


def learned_from(histories: Mapping[Key, History], fixed: Decimal | None = None) -> Weights:
    """The :class:`Weights` of SKU × roles whose :class:`History` is known."""
    return Weights(learn_spread(histories.values()), histories, fixed)
