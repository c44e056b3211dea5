"""The local KIS: an independent fake of the KIS Open API, a test oracle; it imports nothing of trimtab.

`app.make_fake_kis(config)` builds the ASGI app (its state: `app.fake_state`); `serve` serves it over HTTP.
"""
