"""KisBroker: trimtab's BrokerPort on the KIS Open API (domestic stocks and ETFs, cash account).

KIS orders carry no client order id, so every order is written to the BrokerOrderBook (state "sending", with
the price as it will be sent) before order-cash is called, and its ODNO is stored when KIS answers. When the
answer is lost (a crash, a timeout, a 5xx) the record stays "sending"; the next get_order or submit for that
client order id looks for it among the account's orders (inquire-daily-ccld: symbol, side, quantity, price)
not claimed by another record, and adopts it instead of sending again.

Prices are checked against a fresh inquire-price before sending: off KIS's grid or outside its daily limits,
a limit is corrected (never more aggressive than asked) and a warning logged. If KIS still refuses the order
and a fresh quote shows the sent price off the grid or outside the limits, it is corrected and sent once more;
any other refusal comes back REJECTED with KIS's code. Orders are day orders at KIS: once the order's own day
has closed, what is left open is reported EXPIRED (order_state.status_of).

An order's state is read from inquire-daily-ccld by symbol and side over its own days (not by ODNO: a cancel is
its own row under its own number), its cancel rows folded in (order_state.combine); order numbers are compared
and stored in one normalised form (parse.normalise_order_number).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from trimtab.adapters.brokers.kis import order_state as state
from trimtab.adapters.brokers.kis import pricing
from trimtab.adapters.brokers.kis.client import KisClient
from trimtab.adapters.brokers.kis.credentials import KisCredentials
from trimtab.adapters.brokers.kis.endpoints import (
    BALANCE,
    DAILY_ORDERS,
    ORDER_CASH,
    ORDERABLE,
    PRICE,
    PRICE_TR_ID,
    REVISE_CANCEL,
    tr_id,
)
from trimtab.adapters.brokers.kis.parse import (
    BrokerQuote,
    KisOrderRow,
    parse_balance,
    parse_order_ack,
    parse_order_rows,
    parse_order_totals,
    parse_orderable_cash,
    parse_quote,
)
from trimtab.adapters.clock import SystemClock
from trimtab.application.ports import BrokerOrderBook, BrokerOrderRecord, Clock
from trimtab.domain.errors import InvalidInput, OrderRejected
from trimtab.domain.execution import Fill, OrderReport, OrderRequest
from trimtab.domain.instruments import Instrument
from trimtab.domain.orders import OrderType, Side
from trimtab.domain.snapshot import AccountSnapshot, CostSettings, Holding, Quote

logger = logging.getLogger(__name__)

KST = dt.timezone(dt.timedelta(hours=9))
DEFAULT_PRICE_SYMBOL = "069500"  # inquire-psbl-order needs some PDNO; the cash figure does not depend on it


@dataclass(frozen=True, slots=True)
class KisBrokerConfig:
    """One KIS account as a trimtab account."""

    account_id: str  # trimtab's id of the account (never the KIS account number)
    costs: CostSettings = field(default_factory=CostSettings)
    legacy_tr_ids: bool = False
    exchange: str = "KRX"
    lookback_days: int = 7  # how far back list_orders looks (a run's orders are looked up on their own dates)
    row_ttl_seconds: float = 1.0  # how long one order's row answers repeated reads
    expiry_grace_seconds: float = 600.0  # after 15:30 KST of its day, an order still open is EXPIRED
    orderable_cash_symbols: int = 3  # how many symbols inquire-psbl-order is tried with before the D+2 cash


class KisBroker:
    """BrokerPort over one KIS account; real accounts are live, virtual (모의투자) ones are not."""

    def __init__(self, client: KisClient, credentials: KisCredentials, book: BrokerOrderBook,
                 config: KisBrokerConfig, clock: Clock | None = None) -> None:
        self._client = client
        self._credentials = credentials
        self._book = book
        self.config = config
        self._clock: Clock = clock or SystemClock()
        self._warned: set[str] = set()
        self._rows: dict[str, tuple[dt.datetime, KisOrderRow | None, Decimal | None]] = {}

    def __repr__(self) -> str:
        return f"KisBroker(account_id={self.config.account_id!r}, environment={self._client.environment!r})"

    @property
    def is_live(self) -> bool:
        return self._client.environment == "real"

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._client.aclose()

    # -- snapshot ---------------------------------------------------------------------------------------------

    async def get_snapshot(self, account_id: str, symbols: Sequence[str]) -> AccountSnapshot:
        """Holdings (sold-out rows dropped), orderable cash (inquire-psbl-order) and KIS's own quotes."""
        self._check_account(account_id)
        pages = await self._client.paginate(BALANCE, self._tr("balance"), self._balance_params())
        balance = parse_balance(pages)
        wanted = list(dict.fromkeys([*(h.symbol for h in balance.holdings), *symbols]))
        quotes = {symbol: await self._quote(symbol) for symbol in self._client.counting(wanted, "reading KIS quotes")}
        cash = await self._orderable_cash([*wanted, DEFAULT_PRICE_SYMBOL], balance.cash)
        holdings = tuple(
            Holding(quotes[h.symbol], h.quantity, min(max(h.orderable_quantity, Decimal(0)), h.quantity))
            for h in balance.holdings
        )
        return AccountSnapshot(account_id=account_id, currency="KRW", cash=cash, holdings=holdings, quotes=quotes,
                               as_of=self._now().astimezone(KST).date(), costs=self.config.costs)

    def _balance_params(self) -> dict[str, str]:
        return {**self._account_params(), "AFHR_FLPR_YN": "N", "OFL_YN": "", "INQR_DVSN": "02", "UNPR_DVSN": "01",
                "FUND_STTL_ICLD_YN": "N", "FNCG_AMT_AUTO_RDPT_YN": "N", "PRCS_DVSN": "00"}

    async def _orderable_cash(self, symbols: Sequence[str], settled_cash: Decimal) -> Decimal:
        """ord_psbl_cash from inquire-psbl-order, which KIS refuses (rt_cd 7) for a halted symbol: try the next
        symbol, and after a few refusals use the balance's D+2 cash (it does not hold back open buys)."""
        for symbol in list(dict.fromkeys(symbols))[:self.config.orderable_cash_symbols]:
            params = {**self._account_params(), "PDNO": symbol, "ORD_UNPR": "0", "ORD_DVSN": "01",
                      "CMA_EVLU_AMT_ICLD_YN": "N", "OVRS_ICLD_YN": "N"}
            try:
                response = await self._client.request("GET", ORDERABLE, self._tr("orderable"), params=params)
            except OrderRejected as error:
                logger.warning("KIS refused inquire-psbl-order for %s [%s]; trying another symbol", symbol,
                               error.code)
                continue
            return parse_orderable_cash(response.body)
        logger.warning("KIS gave no orderable cash; using the balance's D+2 cash %s (open buys not held back)",
                       settled_cash)
        return settled_cash

    async def _kis_quote(self, symbol: str) -> tuple[BrokerQuote, Instrument]:
        params = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": symbol}
        response = await self._client.request("GET", PRICE, PRICE_TR_ID, params=params)
        quote = parse_quote(symbol, response.body)
        instrument = pricing.instrument_for(quote)
        pricing.warn_once(self._warned, instrument, quote)
        return quote, instrument

    async def _quote(self, symbol: str) -> Quote:
        quote, instrument = await self._kis_quote(symbol)
        return Quote(instrument, quote.price, quote.base_price)

    # -- orders -----------------------------------------------------------------------------------------------

    async def submit(self, request: OrderRequest) -> OrderReport:
        """Send an order once: a client order id seen before returns that order (adopted if its reply was lost)."""
        self._check_account(request.account_id)
        record = self._book.get(state.BROKER, request.account_id, request.client_order_id)
        if record is not None:
            known = await self._report(record)
            if known is not None:
                return known
        quote, instrument = await self._kis_quote(request.symbol)
        sent = state.Sent(request, self._price_for(request, instrument, quote), instrument.instrument_type)
        record = state.new_record(sent, self._now())
        self._book.put(record)
        return await self._send(record, instrument, correct=True)

    def _price_for(self, request: OrderRequest, instrument: Instrument, quote: BrokerQuote) -> Decimal | None:
        if request.order_type is OrderType.MARKET:
            return None
        if request.limit_price is None:
            raise InvalidInput("a limit order needs a price", where=request.client_order_id, field="limit_price")
        price = request.limit_price
        if pricing.is_acceptable(instrument, quote, price):
            return price
        corrected = pricing.correct_price(instrument, quote, request.side, price)
        logger.warning("%s: %s limit %s is off KIS's grid or limits; sending %s", request.client_order_id,
                       request.symbol, price, corrected)
        return corrected

    async def _send(self, record: BrokerOrderRecord, instrument: Instrument, *, correct: bool) -> OrderReport:
        price = state.sent_price(record)
        purpose = "sell" if state.side_of(record) is Side.SELL else "buy"
        body = {**self._account_params(), "PDNO": record.document["symbol"],
                "ORD_DVSN": state.order_type_code(record), "ORD_QTY": str(state.quantity_of(record)),
                "ORD_UNPR": "0" if price is None else str(price), "EXCG_ID_DVSN_CD": self.config.exchange}
        if purpose == "sell":
            body["SLL_TYPE"] = "01"
        logger.info("KIS order %s: %s %s x %s at %s", record.client_order_id, purpose, record.document["symbol"],
                    body["ORD_QTY"], body["ORD_UNPR"])
        try:
            response = await self._client.request("POST", ORDER_CASH, self._tr(purpose), body=body, idempotent=False)
        except OrderRejected as error:
            return await self._refused(record, instrument, error, correct=correct)
        ack = parse_order_ack(response.body)
        record = state.with_fields(record, ack.order_number, state=state.SENT, branch=ack.branch,
                                   order_date=self._now().astimezone(KST).strftime("%Y%m%d"),
                                   order_time=ack.order_time)
        self._book.put(record)
        return state.report_of(record, None)

    async def _refused(self, record: BrokerOrderRecord, instrument: Instrument, error: OrderRejected, *,
                       correct: bool) -> OrderReport:
        """Correct and resend once when a fresh quote shows the price off grid or limits; else REJECTED."""
        price = state.sent_price(record)
        if correct and price is not None:
            quote, _ = await self._kis_quote(record.document["symbol"])
            if not pricing.is_acceptable(instrument, quote, price):
                fixed = pricing.correct_price(instrument, quote, state.side_of(record), price)
                logger.warning("KIS refused %s at %s [%s]; corrected to %s and sent once more",
                               record.client_order_id, price, error.code, fixed)
                record = state.with_fields(record, price=str(fixed))
                self._book.put(record)
                return await self._send(record, instrument, correct=False)
        logger.warning("KIS rejected %s [%s]", record.client_order_id, error.code)
        message = str(error).removeprefix(f"[{error.code}] ") if error.code else str(error)
        record = state.with_fields(record, state=state.REJECTED, reject_code=error.code, reject_message=message)
        self._book.put(record)
        return state.report_of(record, None)

    async def cancel(self, account_id: str, client_order_id: str) -> OrderReport:
        """Cancel the whole remainder (order-rvsecncl, QTY_ALL_ORD_YN=Y); a closed order comes back unchanged."""
        self._check_account(account_id)
        record = self._book.get(state.BROKER, account_id, client_order_id)
        report = None if record is None else await self._report(record)
        if record is None or report is None:
            raise OrderRejected(f"KIS never received {client_order_id}", code="UNKNOWN_ORDER")
        if not report.status.is_open:
            return report
        record = self._stored(record)
        body = {**self._account_params(), "KRX_FWDG_ORD_ORGNO": record.document["branch"],
                "ORGN_ODNO": record.broker_order_id, "ORD_DVSN": state.order_type_code(record),
                "RVSE_CNCL_DVSN_CD": "02", "ORD_QTY": "0", "ORD_UNPR": "0", "QTY_ALL_ORD_YN": "Y",
                "EXCG_ID_DVSN_CD": self.config.exchange}
        try:
            await self._client.request("POST", REVISE_CANCEL, self._tr("cancel"), body=body, idempotent=False)
        except OrderRejected:
            self._rows.pop(record.broker_order_id, None)
            report = await self._report(self._stored(record))
            if report is not None and not report.status.is_open:
                return report  # it filled (or was cancelled) before the cancel arrived
            raise
        self._rows.pop(record.broker_order_id, None)
        logger.info("KIS cancel of %s sent", client_order_id)
        report = await self._report(self._stored(record))
        if report is None:  # cannot happen: the record has an order number
            raise OrderRejected(f"KIS lost track of {client_order_id}", code="UNKNOWN_ORDER")
        return report

    async def get_order(self, account_id: str, client_order_id: str) -> OrderReport | None:
        """The order's state from inquire-daily-ccld, or None when KIS never received it."""
        self._check_account(account_id)
        record = self._book.get(state.BROKER, account_id, client_order_id)
        return None if record is None else await self._report(record)

    async def get_fills(self, account_id: str, client_order_id: str) -> list[Fill]:
        """Every fill seen so far, each the increase of KIS's cumulative filled quantity between two reads."""
        self._check_account(account_id)
        record = self._book.get(state.BROKER, account_id, client_order_id)
        if record is None:
            return []
        await self._report(record)
        return state.fills_of(self._stored(record))

    async def list_orders(self, account_id: str) -> list[OrderReport]:
        """The account's orders of the last days (cancel rows left out), oldest first."""
        self._check_account(account_id)
        reports = []
        today = self._now().astimezone(KST).date()
        rows = await self._day_rows({}, (today - dt.timedelta(days=self.config.lookback_days), today))
        for own in rows:
            row = None if own.is_cancel_row else state.combine(rows, own.order_number)
            if row is None:
                continue
            record = self._book.find_by_broker_id(state.BROKER, account_id, row.order_number)
            if record is None:
                record = _foreign_record(account_id, row)
            reports.append(state.report_of(record, row, day_over=self._day_over(row)))
        return reports

    # -- reconciliation ---------------------------------------------------------------------------------------

    async def _report(self, record: BrokerOrderRecord) -> OrderReport | None:
        """The current report of a recorded order; an unanswered one is matched against KIS's orders first."""
        if record.document["state"] == state.REJECTED:
            return state.report_of(record, None)
        if not record.broker_order_id:
            adopted = await self._adopt(record)
            if adopted is None:
                return None
            record = adopted
        row, costs = await self._row(record)
        if row is not None and row.order_date and row.order_date != record.document.get("order_date"):
            record = state.with_fields(record, order_date=row.order_date)  # KIS's own date of the order
            self._book.put(record)
        if row is not None:
            total = costs if costs is not None else state.estimated_costs(
                record, row.filled_amount, self._now().astimezone(KST).date(), self.config.costs)
            absorbed = state.absorb_row(record, row, total, self._now())
            if absorbed is not record:
                self._book.put(absorbed)
                record = absorbed
        return state.report_of(record, row, day_over=row is not None and self._day_over(row))

    def _day_over(self, row: KisOrderRow) -> bool:
        return state.day_is_over(row, self._now(), dt.timedelta(seconds=self.config.expiry_grace_seconds))

    async def _adopt(self, record: BrokerOrderRecord) -> BrokerOrderRecord | None:
        """Find the order a lost reply left behind: same symbol/side/quantity/price, unclaimed, oldest first."""
        side = state.SIDE_CODES[state.side_of(record)]
        recorded_on = dt.datetime.fromisoformat(record.document["recorded_at"]).astimezone(KST).date()
        rows = await self._day_rows({"PDNO": record.document["symbol"], "SLL_BUY_DVSN_CD": side},
                                    _around(recorded_on))
        candidates = [row for row in rows if state.matches(record, row)]
        claimed = self._book.claimed(state.BROKER, record.account_id, [row.order_number for row in candidates])
        free = sorted((row for row in candidates if row.order_number not in claimed),
                      key=lambda row: (row.order_date, row.order_time, row.order_number))
        if not free:
            return None
        row = free[0]
        adopted = state.with_fields(record, row.order_number, state=state.SENT, branch=row.branch,
                                    order_date=row.order_date, order_time=row.order_time)
        self._book.put(adopted)
        logger.info("adopted KIS order %s for %s (its reply had been lost)", row.order_number,
                    record.client_order_id)
        return adopted

    async def _row(self, record: BrokerOrderRecord) -> tuple[KisOrderRow | None, Decimal | None]:
        """The order's row (cancel rows folded in) and KIS's cost estimate when output2 is this order's alone,
        re-read at most once per row_ttl_seconds."""
        number = record.broker_order_id
        now = self._now()
        cached = self._rows.get(number)
        if cached is not None and (now - cached[0]).total_seconds() < self.config.row_ttl_seconds:
            return cached[1], cached[2]
        filters = {"PDNO": record.document["symbol"], "SLL_BUY_DVSN_CD": state.SIDE_CODES[state.side_of(record)]}
        pages = await self._client.paginate(DAILY_ORDERS, self._tr("daily_orders"), self._ccld_params(
            filters, _around(state.order_day(record))))
        row = state.combine(parse_order_rows(pages), number)
        costs = None if row is None else state.attributable_costs(row, parse_order_totals(pages))
        self._rows[number] = (now, row, costs)
        return row, costs

    async def _day_rows(self, filters: dict[str, str], days: tuple[dt.date, dt.date]) -> list[KisOrderRow]:
        pages = await self._client.paginate(DAILY_ORDERS, self._tr("daily_orders"), self._ccld_params(filters, days))
        return sorted(parse_order_rows(pages), key=lambda row: (row.order_date, row.order_time, row.order_number))

    def _ccld_params(self, filters: dict[str, str], days: tuple[dt.date, dt.date]) -> dict[str, str]:
        """inquire-daily-ccld parameters over the days `days` (first, last), never "today - N": a run's orders
        are looked up on the dates they were sent, whatever today is."""
        start, end = days
        return {**self._account_params(), "INQR_STRT_DT": start.strftime("%Y%m%d"),
                "INQR_END_DT": end.strftime("%Y%m%d"), "SLL_BUY_DVSN_CD": "00", "INQR_DVSN": "01", "PDNO": "",
                "CCLD_DVSN": "00", "ORD_GNO_BRNO": "", "ODNO": "", "INQR_DVSN_3": "00", "INQR_DVSN_1": "",
                "EXCG_ID_DVSN_CD": "ALL", **filters}

    # -- helpers ----------------------------------------------------------------------------------------------

    def _stored(self, record: BrokerOrderRecord) -> BrokerOrderRecord:
        stored = self._book.get(state.BROKER, record.account_id, record.client_order_id)
        return record if stored is None else stored

    def _check_account(self, account_id: str) -> None:
        if account_id != self.config.account_id:
            raise InvalidInput(f"this KIS broker serves account {self.config.account_id!r}", where="KIS broker",
                               field="account_id", value=account_id)

    def _account_params(self) -> dict[str, str]:
        return {"CANO": self._credentials.cano, "ACNT_PRDT_CD": self._credentials.product_code}

    def _tr(self, purpose: str) -> str:
        return tr_id(purpose, self._client.environment, legacy=self.config.legacy_tr_ids)

    def _now(self) -> dt.datetime:
        return self._clock.now()


def _around(day: dt.date) -> tuple[dt.date, dt.date]:
    """The day before to the day after: an order's date in KST may differ by one from the recording clock's."""
    return day - dt.timedelta(days=1), day + dt.timedelta(days=1)


def _foreign_record(account_id: str, row: KisOrderRow) -> BrokerOrderRecord:
    """A read-only record for an order trimtab did not send (placed in HTS, say): its client id is `kis-ODNO`."""
    side = Side.SELL if row.side_code == "01" else Side.BUY
    document: dict[str, Any] = {
        "state": state.SENT, "symbol": row.symbol, "side": side.value, "quantity": str(row.quantity),
        "order_type": OrderType.MARKET.value if row.order_type_code == "01" else OrderType.LIMIT.value,
        "price": None if row.order_type_code == "01" else str(row.price), "reject_code": "", "reject_message": "",
    }
    return BrokerOrderRecord(state.BROKER, account_id, f"kis-{row.order_number}", document, row.order_number)
