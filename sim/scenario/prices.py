"""What the licenses cost, for reports that weigh one access type against another.

Prices never change what happens in a run; they only let reports put a number on it. The
question admins ask most (anchors.md, License Monitor) is "who should get an Analyzer seat
instead of burning Analyzer Capacity?". A user whose capacity minutes in a month cost more
than an Analyzer seat for that month is such a candidate, so the **break-even** is

    breakeven minutes per month = analyzer seat price per month / price per capacity minute

or, when the contract has no list prices to hand, a ``breakeven_minutes`` written directly
(which then wins). All prices are per month: per seat for Professional and Analyzer, per
minute for capacity, in ``currency``. Capacity is bought in packs of
``capacity_pack_minutes`` per month (1,000 by default, the project's rules digest §4), the
unit in which ``licsim plan`` counts it.
"""

from typing import Annotated

from pydantic import BeforeValidator, Field

from .fields import NonNegativeFloat, _Model, _not_bool

__all__ = ["Prices"]


class Prices(_Model):
    """License prices per month (seats) and per minute (capacity)."""

    professional: NonNegativeFloat | None = Field(
        None, description="Price of a Professional seat per month. Default none (model choice)."
    )
    analyzer: NonNegativeFloat | None = Field(
        None, description="Price of an Analyzer seat per month. Default none (model choice)."
    )
    capacity_minutes: NonNegativeFloat | None = Field(
        None, description="Price of one Analyzer Capacity minute. Default none (model choice)."
    )
    currency: str = Field(
        "USD", min_length=1, description="Currency of the prices. Default USD (model choice)."
    )
    capacity_pack_minutes: Annotated[int, BeforeValidator(_not_bool)] = Field(
        1000,
        ge=1,
        le=10_000_000,
        description="Analyzer Capacity minutes per month in one purchasable pack. Default "
        "1000 (licensing-rules §4: sold in packs of 1,000 minutes per month).",
    )
    breakeven_minutes: NonNegativeFloat | None = Field(
        None,
        description="Capacity minutes per user and month above which an Analyzer seat is "
        "cheaper; overrides the ratio of the prices. Default none (model choice).",
    )

    def breakeven(self) -> float | None:
        """Capacity minutes per user and month that cost as much as an Analyzer seat.

        ``breakeven_minutes`` if given, else ``analyzer / capacity_minutes``; ``None`` when
        neither is known (or a capacity minute is free, so no seat ever pays off).
        """
        if self.breakeven_minutes is not None:
            return self.breakeven_minutes
        if self.analyzer is None or not self.capacity_minutes:
            return None
        return self.analyzer / self.capacity_minutes
