"""The local IB Gateway: an independent fake of the TWS API socket protocol, a test oracle; it imports nothing of
trimtab.

`server.LocalGateway(config)` serves it on 127.0.0.1 (asyncio); `serve` runs it as a process. It speaks server
version 178 (the highest that ib_async 2.1.0 asks for) and the subset of messages ib_async uses for accounts,
positions, quotes, contract details, orders, executions and commission reports.
"""
