"""trimtab's test kit: local broker servers, in-memory doubles and synthetic data, for tests and demos only.

`kis` is the local KIS (a fake of the KIS Open API; `python -m trimtab_testkit.kis.serve`), `memory_order_book`
an in-memory BrokerOrderBook, `synthetic` seeded synthetic allocation batches. trimtab itself never imports
this package, and it is no runtime dependency of trimtab.
"""
