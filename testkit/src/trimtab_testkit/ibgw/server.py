"""The local IB Gateway's socket server: one session per API client, routed by client id."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from decimal import Decimal

from trimtab_testkit.ibgw import messages as msg
from trimtab_testkit.ibgw.engine import OrderEngine
from trimtab_testkit.ibgw.messages import Message
from trimtab_testkit.ibgw.model import ZERO, FakeInstrument, GatewayConfig
from trimtab_testkit.ibgw.placing import contract_ref, parse_place_order
from trimtab_testkit.ibgw.wire import (
    API_PREFIX,
    SERVER_VERSION,
    frame,
    integer,
    read_frame,
    split_fields,
    version_range,
)

log = logging.getLogger("trimtab_testkit.ibgw")
FARM_MESSAGES = ((2104, "Market data farm connection is OK:usfarm"),
                 (2106, "HMDS data farm connection is OK:ushmds"),
                 (2158, "Sec-def data farm connection is OK:secdefnj"))


class LocalGateway:
    """Serves `config` on 127.0.0.1; `start()` binds (port 0 picks one), `close()` stops and drops every client."""

    def __init__(self, config: GatewayConfig, host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config
        self.host = host
        self.port = port
        self.engine = OrderEngine(config, self._route)
        self.sessions: dict[int, Session] = {}
        self.connections = 0  # API sessions started so far
        self.received: list[list[str]] = []  # every request, in order (tests look at what clients sent)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def accounts(self) -> list[str]:
        return [account.account_id for account in self.config.accounts]

    async def start(self, pump_seconds: float | None = None) -> LocalGateway:
        """Listen; with `pump_seconds`, also fill due orders on that beat (not only on requests), as a real
        gateway pushes fills to idle clients."""
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        if pump_seconds is not None:
            pump = asyncio.create_task(self._pump(pump_seconds))
            self._tasks.add(pump)
        return self

    async def _pump(self, seconds: float) -> None:
        while self._server is not None:
            await asyncio.sleep(seconds)
            self.engine.advance()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        self.drop_clients()
        server, self._server = self._server, None
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)
        if server is not None:
            await server.wait_closed()

    def drop_clients(self) -> None:
        """Close every client's socket (a gateway restart or a network cut, as the clients see it)."""
        for writer in list(self._writers):
            writer.close()
        self.sessions.clear()

    def set_price(self, symbol: str, price: Decimal) -> None:
        item = self.config.instrument(symbol)
        if item is None:
            raise KeyError(symbol)
        item.price = price
        self.engine.reprice()

    def _route(self, client_id: int, message: Message) -> None:
        session = self.sessions.get(client_id)
        if session is not None:
            session.send(message)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        session = Session(self, reader, writer)
        self._writers.add(writer)
        try:
            await session.run()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError) as problem:
            log.debug("session ended: %r", problem)
        finally:
            if self.sessions.get(session.client_id) is session:
                del self.sessions[session.client_id]
            writer.close()
            self._writers.discard(writer)
            if task is not None:
                self._tasks.discard(task)


class Session:
    """One API client: the handshake, then requests answered in order."""

    def __init__(self, gateway: LocalGateway, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.gateway = gateway
        self.reader = reader
        self.writer = writer
        self.client_id = -1
        self.handlers: dict[int, Callable[[list[str]], None]] = {
            1: self.market_data, 2: _ignore, 3: self.place_order, 4: self.cancel_order, 5: self.open_orders,
            6: self.account_updates, 7: self.executions, 8: self.next_ids, 9: self.contract_details, 15: _ignore,
            16: self.all_open_orders, 17: self.managed_accounts, 49: self.current_time, 58: self.global_cancel,
            59: _ignore, 61: self.positions, 62: self.account_summary, 63: _ignore, 64: _ignore,
            76: self.account_updates_multi, 77: _ignore, 99: self.completed_orders,
        }

    def send(self, message: Message) -> None:
        if not self.writer.is_closing():
            self.writer.write(frame(message))

    async def run(self) -> None:
        prefix = await self.reader.readexactly(len(API_PREFIX))
        if prefix != API_PREFIX:
            raise ValueError("not a TWS API client")
        low, high = version_range(await read_frame(self.reader))
        if not low <= SERVER_VERSION <= high:
            raise ValueError(f"client versions {low}..{high} exclude {SERVER_VERSION}")
        self.send([SERVER_VERSION, msg.ib_time(self.gateway.config.clock())])
        await self.writer.drain()
        while True:
            fields = split_fields(await read_frame(self.reader))
            if not fields:
                continue
            self.gateway.received.append(fields)
            self.gateway.engine.advance()
            if int(fields[0]) == 71:
                if not self.start_api(fields):
                    await self.writer.drain()
                    return
            elif self.client_id >= 0:
                self.handlers.get(int(fields[0]), self.unknown)(fields)
            await self.writer.drain()

    def start_api(self, fields: list[str]) -> bool:
        client_id = int(fields[2])
        if client_id in self.gateway.sessions:
            self.send(msg.error(-1, 326, "Unable to connect as the client id is already in use. Retry with a "
                                         "unique client id."))
            return False
        self.client_id = client_id
        self.gateway.sessions[client_id] = self
        self.gateway.connections += 1
        self.send(msg.next_valid_id(self.gateway.engine.next_order_id))
        self.send(msg.managed_accounts(self.gateway.accounts))
        for code, text in FARM_MESSAGES:
            self.send(msg.error(-1, code, text))
        return True

    def unknown(self, fields: list[str]) -> None:
        log.warning("unserved request %s", fields[:2])

    # --- accounts ---------------------------------------------------------------------------------------------

    def managed_accounts(self, fields: list[str]) -> None:
        self.send(msg.managed_accounts(self.gateway.accounts))

    def current_time(self, fields: list[str]) -> None:
        self.send(msg.current_time(self.gateway.config.clock()))

    def next_ids(self, fields: list[str]) -> None:
        self.send(msg.next_valid_id(self.gateway.engine.next_order_id))

    def positions(self, fields: list[str]) -> None:
        config = self.gateway.config
        for account in config.accounts:
            for symbol, quantity in account.positions.items():
                item = config.instrument(symbol)
                if item is not None:
                    self.send(msg.position(account.account_id, item, quantity,
                                           account.average_costs.get(symbol, ZERO)))
        self.send(msg.position_end())

    def account_summary(self, fields: list[str]) -> None:
        req_id, group, tags = int(fields[2]), fields[3], fields[4].split(",")
        engine = self.gateway.engine
        for account in self.gateway.config.accounts:
            if group not in {"All", account.account_id}:
                continue
            for tag, value, currency in engine.ledger.summary(account, engine.orders, tags):
                self.send(msg.account_summary(req_id, account.account_id, tag, value, currency))
        self.send(msg.account_summary_end(req_id))

    def account_updates(self, fields: list[str]) -> None:
        subscribe, code = fields[2] == "1", fields[3]
        account = self.gateway.config.account(code)
        if not subscribe or account is None:
            return
        engine = self.gateway.engine
        for key, value, currency in engine.ledger.account_values(account, engine.orders):
            self.send(msg.account_value(key, value, currency, account.account_id))
        for symbol, quantity in account.positions.items():
            item = self.gateway.config.instrument(symbol)
            if item is not None:
                self.send(msg.portfolio_value(account.account_id, item, quantity,
                                              account.average_costs.get(symbol, ZERO)))
        self.send(msg.account_time(self.gateway.config.clock()))
        self.send(msg.account_download_end(account.account_id))

    def account_updates_multi(self, fields: list[str]) -> None:
        req_id, code = int(fields[2]), fields[3]
        account = self.gateway.config.account(code)
        if account is not None:
            engine = self.gateway.engine
            for key, value, currency in engine.ledger.account_values(account, engine.orders):
                self.send(msg.account_update_multi(req_id, account.account_id, key, value, currency))
        self.send(msg.account_update_multi_end(req_id))

    # --- instruments ------------------------------------------------------------------------------------------

    def _instrument(self, fields: list[str], at: int) -> FakeInstrument | None:
        ref = contract_ref(fields, at)
        item = self.gateway.config.instrument(ref.symbol, ref.con_id)
        if item is None or (ref.currency and ref.currency != item.currency) or ref.sec_type not in {"", "STK"}:
            return None
        return item

    def market_data(self, fields: list[str]) -> None:
        req_id = int(fields[2])
        item = self._instrument(fields, 3)
        if item is None:
            self.send(msg.error(req_id, 200, "No security definition has been found for the request"))
            return
        # after the contract: deltaNeutral flag (0), genericTickList, snapshot, regulatorySnapshot, options
        snapshot = fields[17] == "1" if len(fields) > 17 else False
        size = Decimal(100)
        for tick_type, price in ((1, item.price), (2, item.price), (4, item.price), (9, item.close or item.price)):
            self.send(msg.tick_price(req_id, tick_type, price, size if tick_type != 9 else ZERO))
        if snapshot:
            self.send(msg.tick_snapshot_end(req_id))

    def contract_details(self, fields: list[str]) -> None:
        req_id = int(fields[2])
        ref = contract_ref(fields, 3)
        sec_id_type, sec_id = fields[16], fields[17]
        config = self.gateway.config
        if ref.con_id or ref.symbol:
            item = self._instrument(fields, 3)
        else:
            item = config.instrument(isin=sec_id) if sec_id_type == "ISIN" else None
        if item is None:
            self.send(msg.error(req_id, 200, "No security definition has been found for the request"))
            return
        self.send(msg.contract_details(req_id, item))
        self.send(msg.contract_details_end(req_id))

    # --- orders -----------------------------------------------------------------------------------------------

    def place_order(self, fields: list[str]) -> None:
        try:
            request = parse_place_order(fields)
        except (ValueError, IndexError) as problem:
            self.send(msg.error(integer(fields[1]) if len(fields) > 1 else -1, 321,
                                f"Error validating request:-'bW' : cause - {problem}"))
            return
        self.gateway.engine.place(self.client_id, request, self.gateway.accounts)

    def cancel_order(self, fields: list[str]) -> None:
        self.gateway.engine.cancel(self.client_id, int(fields[2]))

    def global_cancel(self, fields: list[str]) -> None:
        self.gateway.engine.cancel_all()

    def _send_open(self, client_id: int | None) -> None:
        for order in self.gateway.engine.open_orders(client_id):
            self.send(msg.open_order(order))
            self.send(msg.order_status(order))
        self.send(msg.open_order_end())

    def open_orders(self, fields: list[str]) -> None:
        self._send_open(self.client_id)

    def all_open_orders(self, fields: list[str]) -> None:
        self._send_open(None)

    def completed_orders(self, fields: list[str]) -> None:
        for order in self.gateway.engine.completed_orders():
            self.send(msg.completed_order(order))
        self.send(msg.completed_orders_end())

    def executions(self, fields: list[str]) -> None:
        req_id, client_id, account, since = int(fields[2]), integer(fields[3]), fields[4], fields[5]
        for execution in self.gateway.engine.executions(client_id, account, since):
            self.send(msg.execution(req_id, execution))
            self.send(msg.commission_report(execution))
        self.send(msg.execution_end(req_id))


def _ignore(fields: list[str]) -> None:
    return None
