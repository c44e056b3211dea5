"""Cash flows: invest a deposit without selling, raise a withdrawal selling only what is needed.

A plan with a cash flow is planned on the account *as if the flow had happened*: a deposit adds its amount
to the cash (unless it is already there, as on a broker's account), a withdrawal takes its amount out.
Equity, targets, the cash buffer and drift are all measured on that account, so

* a **deposit** is the run's buy leg ("without selling anything more"): lots may only be bought, and the
  cash rule keeps `cash + deposit - buys - costs >= buffer`;
* a **withdrawal** may only sell, and the cash rule keeps `cash - amount + sales - costs - tax >= buffer`:
  the amount is raised net of commissions and sell tax. The allocation picks the sales with the least
  drift; then every sold lot that is not needed to keep the rule is taken back (least harm first), so no
  single lot could be left unsold and the amount still be raised.

The plan's certificate bounds the same problem (buys only, or sells only, at the shifted cash): for a
withdrawal it bounds every plan that raises the amount, of which the "only what is needed" plans are a
part, so it stays a proven bound (the gap may be wider than the allocation alone would leave).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum

from trimtab.domain.allocation_account import AccountProblem, Lots, cash_slack, deviations
from trimtab.domain.costs import commission, sell_tax
from trimtab.domain.errors import InvalidInput
from trimtab.domain.instruments import minor_unit
from trimtab.domain.money_format import format_money
from trimtab.domain.numbers import ZERO
from trimtab.domain.problem import Line
from trimtab.domain.snapshot import AccountSnapshot


class FlowKind(StrEnum):
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"


@dataclass(frozen=True, slots=True)
class CashFlow:
    """Money coming in (invested, buys only) or going out (raised, sells only), in the account currency."""

    kind: FlowKind
    amount: Decimal
    in_cash: bool = False  # a deposit already in the snapshot's cash (a broker's account): not added again

    def __post_init__(self) -> None:
        if not self.amount > ZERO:  # NaN fails too
            raise InvalidInput("must be a positive amount", where="settings",
                               field="deposit" if self.kind is FlowKind.DEPOSIT else "withdraw",
                               value=str(self.amount))
        if self.in_cash and self.kind is FlowKind.WITHDRAWAL:
            raise InvalidInput("a withdrawal is never in the cash already", where="settings", field="withdraw",
                               value=str(self.amount))

    @property
    def buys(self) -> bool:
        return self.kind is FlowKind.DEPOSIT

    @property
    def cash_change(self) -> Decimal:
        if self.kind is FlowKind.WITHDRAWAL:
            return -self.amount
        return ZERO if self.in_cash else self.amount

    def reason(self, text: str) -> str:
        return f"{self.kind.value}: {text}"


def with_flow(snapshot: AccountSnapshot, flow: CashFlow | None) -> AccountSnapshot:
    """The account as if the flow had happened."""
    return snapshot if flow is None else replace(snapshot, cash=snapshot.cash + flow.cash_change)


def most_raisable(lines: list[Line], snapshot: AccountSnapshot, equity: Decimal, cash_buffer: Decimal) -> Decimal:
    """The largest withdrawal the account can fund, keeping the buffer of what remains (net of costs).

    Selling every orderable lot brings in its value less commission and sell tax (a sale that would bring
    in nothing is left out); the amount A may go out while cash + sales - A >= buffer x (equity - A).
    """
    sales = ZERO
    for line in lines:
        value = line.sellable_lots * line.instrument.lot_size * line.sell_price
        net = value - commission(value, snapshot.costs, snapshot.currency) - sell_tax(value, line.tax_rate,
                                                                                       snapshot.currency)
        sales += max(net, ZERO)
    quantum = minor_unit(snapshot.currency)
    most = ((snapshot.cash + sales - cash_buffer * equity) / (1 - cash_buffer)).quantize(quantum, ROUND_FLOOR)
    while most > ZERO and snapshot.cash + sales - most < (cash_buffer * (equity - most)).quantize(
            quantum, ROUND_CEILING):
        most -= quantum
    return max(min(most, equity - quantum), ZERO)  # withdrawing all the equity is closing the account


def refuse_withdrawal(flow: CashFlow, most: Decimal, snapshot: AccountSnapshot) -> InvalidInput:
    currency = snapshot.currency
    return InvalidInput(
        f"cannot raise {format_money(flow.amount, currency)} {currency}: the most this account can raise is "
        f"{format_money(most, currency)} {currency} (selling every orderable lot, net of costs and sell tax, "
        f"keeping the cash buffer)", where=f"account '{snapshot.account_id}'", field="withdraw",
        value=str(flow.amount))


def release_unneeded_sales(problem: AccountProblem, lots: Lots) -> Lots:
    """Take back sold lots while the cash rule still holds, least harm to the objective first.

    Exact integers. A run of lots whose harm per lot is the same (the deviation stays on one side of the
    target) is taken back at once, as many as the cash rule allows.
    """
    current = list(lots)
    while _release_one_run(problem, current):
        pass
    return current


def _release_one_run(problem: AccountProblem, lots: Lots) -> bool:
    """Take back the least harmful run of sold lots that keeps the rule; False when none fits.

    The lots may break the rule when they come in: a sale that costs more than it brings (a minimum
    commission above a small lot's value) is then taken back if the rule holds without it."""
    from fractions import Fraction  # only a withdrawal needs it: not imported by every plan

    deviation = deviations(problem, lots)
    options: list[tuple[Fraction, int, int]] = []  # (harm per unit of cash given back, -lot value, ticker)
    for k in range(problem.width):
        if lots[k] >= 0 or not _fits(problem, lots, k, 1):
            continue
        unit, dev = problem.lot_value[k], deviation[k]
        options.append((Fraction(abs(dev + unit) - abs(dev), max(problem.sell_price[k], 1)), -unit, k))
    if not options:
        return False
    _, _, k = min(options)
    unit, dev, sold = problem.lot_value[k], deviation[k], -lots[k]
    same_harm = sold if dev >= 0 else max(1, min(sold, -dev // unit))
    if same_harm == sold and _fits(problem, lots, k, sold):
        lots[k] += sold
        return True
    low, high = 1, max(1, min(same_harm, sold - 1))  # below a full take-back the slack falls with each lot
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if _fits(problem, lots, k, middle) else (low, middle - 1)
    lots[k] += low
    return True


def _fits(problem: AccountProblem, lots: Lots, ticker: int, step: int) -> bool:
    trial = list(lots)
    trial[ticker] += step
    return cash_slack(problem, trial) >= 0
