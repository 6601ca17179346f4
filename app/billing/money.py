"""Amounts in several currencies, never added together (issue 21): sums kept per currency, shown per currency."""
from __future__ import annotations

from decimal import Decimal


class PerCurrency:
    """Sums of amounts, one per currency."""

    __slots__ = ("sums",)

    def __init__(self):
        self.sums: dict[str, Decimal] = {}

    def add(self, currency: str, amount: Decimal | None) -> None:
        if amount is not None:
            self.sums[currency] = self.sums.get(currency, Decimal("0.00")) + amount

    def __bool__(self) -> bool:
        return bool(self.sums)

    def as_strings(self, default_currency: str = "") -> dict[str, str]:
        """{currency: sum}; an amount of no stated currency ('') counts in default_currency."""
        sums: dict[str, Decimal] = {}
        for currency, amount in self.sums.items():
            key = currency or default_currency
            sums[key] = sums.get(key, Decimal("0.00")) + amount
        return {currency: f"{sums[currency]:.2f}" for currency in sorted(sums)}

    def text(self, default_currency: str) -> str | None:
        """The plain amount when every amount is in default_currency (a column headed with it), else each
        currency's sum with its code: '1200.00 EUR; 300.00 USD'. None without any amount."""
        sums = self.as_strings(default_currency)
        if not sums:
            return None
        if set(sums) == {default_currency}:
            return sums[default_currency]
        return "; ".join(f"{amount} {currency}" for currency, amount in sums.items())


def money_text(amount: Decimal | None, currency: str, default_currency: str) -> str:
    """One amount for a column headed with default_currency: plain in it, with its code in another."""
    if amount is None:
        return ""
    return str(amount) if currency in ("", default_currency) else f"{amount} {currency}"
