"""Read the `--deposit` and `--withdraw` options into the planner's cash flow."""

from __future__ import annotations

from typing import TYPE_CHECKING

from trimtab.domain.errors import InvalidInput

if TYPE_CHECKING:
    from trimtab.domain.cash_flows import CashFlow

COMMAND_LINE = "command line"


def cash_flow_option(deposit: str | None, withdraw: str | None, *, in_cash: bool = False) -> CashFlow | None:
    """The cash flow the options ask for (None for a plain rebalance).

    `in_cash`: the deposit is already in the account's cash (a run on the broker), so it is invested, not
    added again; a plan from files or from the broker's account plans as if it were added.
    """
    if deposit is not None and withdraw is not None:
        raise InvalidInput("choose --deposit or --withdraw, not both", where=COMMAND_LINE, field="withdraw",
                           value=withdraw)
    if deposit is None and withdraw is None:
        return None
    from trimtab.domain.bounds import CASH, check_bound  # a plain rebalance loads none of the cash-flow rules
    from trimtab.domain.cash_flows import CashFlow, FlowKind
    from trimtab.domain.numbers import ZERO, parse_decimal

    kind, text = (FlowKind.DEPOSIT, deposit) if deposit is not None else (FlowKind.WITHDRAWAL, withdraw)
    field = "deposit" if kind is FlowKind.DEPOSIT else "withdraw"
    amount = check_bound(parse_decimal(text, where=COMMAND_LINE, field=field), CASH, where=COMMAND_LINE,
                         field=field, value=text)
    if amount <= ZERO:
        raise InvalidInput("must be a positive amount", where=COMMAND_LINE, field=field, value=text)
    return CashFlow(kind, amount, in_cash=in_cash and kind is FlowKind.DEPOSIT)
