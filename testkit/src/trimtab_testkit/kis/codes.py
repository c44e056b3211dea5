"""Message codes the local KIS fake answers with.

Real codes (BROKERS.md §1.3, §1.8.7): `APBK0013` order sent, `APBK0919` domestic market closed, `APBK0656`
product not found, `APBK0952` insufficient orderable cash, `APBK0400` oversell (above the orderable quantity),
`KIOK0510` inquiry done, `MCA00000` normal, `EGW00103/121/123/133/201` gateway and token errors, and the
transient `EGW00215` (account-ledger per-second limit), `SYDB0050` (data changed since the inquiry),
`EGW00316`. The virtual server answers some refusals with numeric codes: `40030000` off the tick grid,
`40100000` not a business day, `90020000` delayed (injected on demand). Order refusals come with rt_cd "7"
(FakeKisConfig.rejection_rt_cd) and HTTP 200; gateway errors with rt_cd "1".

Codes prefixed `FAKE` are the fake's own: BROKERS.md names no real code for these cases (the refusal is real,
its code is not documented). They answer like the real refusals:

- FAKE0001 `TR_ID_MISMATCH`: tr_id does not fit the path and environment (HTTP 500, like gateway errors).
- FAKE0002 `UNKNOWN_SYMBOL`: inquire-price for a symbol the fake has no price for.
- FAKE0003 `BAD_REQUEST`: body not a JSON object, a required key missing, a value that is not a number's text.
- FAKE0004 `NOT_A_STRING`: a body value sent as a JSON number (or other non-string); KIS wants strings.
- FAKE0005 `WRONG_ACCOUNT`: CANO + ACNT_PRDT_CD is not the fake's configured account.
- FAKE0006 `NOT_MODELLED`: an ORD_DVSN other than 00/01, EXCG_ID_DVSN_CD other than KRX, SLL_TYPE other
  than 01, or a revision (RVSE_CNCL_DVSN_CD 01): real KIS may accept these, the fake does not model them.
- FAKE0007 `BAD_QUANTITY`: ORD_QTY <= 0.
- FAKE0008 `BAD_PRICE`: a market order whose ORD_UNPR is not "0", a limit order whose ORD_UNPR is not > 0 and
  whole, or a cancel whose ORD_UNPR is not "0".
- FAKE0009 `OFF_TICK`: the limit price is not a multiple of the tick of its band, on the real server (the
  virtual one answers 40030000).
- FAKE0010 `OUTSIDE_LIMITS`: the limit price is below stck_llam or above stck_mxpr.
- FAKE0013 `UNKNOWN_ORDER`: revise/cancel of an ORGN_ODNO (with its KRX_FWDG_ORD_ORGNO) the fake never accepted.
- FAKE0014 `NOTHING_REMAINING`: cancel of an order already filled or cancelled in full.
- FAKE0015 `CANCEL_QUANTITY`: a partial cancel (QTY_ALL_ORD_YN N) of 0 units or more than the remainder.
- FAKE0016 `BAD_DATE`: inquire-daily-ccld without INQR_STRT_DT/INQR_END_DT as YYYYMMDD.
- FAKE0017 `PAST_DAY_ORDER`: cancel of an order of an earlier day (a day order that already expired).
- FAKE0019 `NOT_ON_VIRTUAL`: a quotation KIS offers on the real server only (the market-cap ranking: its
  official sample has no virtual form), asked of the virtual server.
- FAKE0018 `HALTED`: inquire-psbl-order or order-cash for a halted symbol (BROKERS.md §1.8.9 says rt_cd 7).

FAKE0011 (insufficient cash) and FAKE0012 (oversell) are retired: the real APBK0952 and APBK0400 replaced them.
"""

from __future__ import annotations

ORDER_SENT = "APBK0013"
ORDER_SENT_MESSAGE = "주문 전송 완료 되었습니다."
MARKET_CLOSED = "APBK0919"
PRODUCT_NOT_FOUND = "APBK0656"
INSUFFICIENT_CASH = "APBK0952"
OVERSELL = "APBK0400"
VIRTUAL_OFF_TICK = "40030000"
VIRTUAL_NOT_BUSINESS_DAY = "40100000"
VIRTUAL_DELAYED = "90020000"
LEDGER_RATE_LIMITED = "EGW00215"
DATA_CHANGED = "SYDB0050"
DATA_CHANGED_MESSAGE = "조회이후에 자료가 변경되었습니다(다시 조회하세요)"
GATEWAY_BUSY = "EGW00316"
INQUIRY_DONE = "KIOK0510"
NORMAL = "MCA00000"

TR_ID_MISMATCH = "FAKE0001"
UNKNOWN_SYMBOL = "FAKE0002"
BAD_REQUEST = "FAKE0003"
NOT_A_STRING = "FAKE0004"
WRONG_ACCOUNT = "FAKE0005"
NOT_MODELLED = "FAKE0006"
BAD_QUANTITY = "FAKE0007"
BAD_PRICE = "FAKE0008"
OFF_TICK = "FAKE0009"
OUTSIDE_LIMITS = "FAKE0010"
UNKNOWN_ORDER = "FAKE0013"
NOTHING_REMAINING = "FAKE0014"
CANCEL_QUANTITY = "FAKE0015"
BAD_DATE = "FAKE0016"
PAST_DAY_ORDER = "FAKE0017"
HALTED = "FAKE0018"
NOT_ON_VIRTUAL = "FAKE0019"

FAKE_CODES: frozenset[str] = frozenset({
    TR_ID_MISMATCH, UNKNOWN_SYMBOL, BAD_REQUEST, NOT_A_STRING, WRONG_ACCOUNT, NOT_MODELLED, BAD_QUANTITY,
    BAD_PRICE, OFF_TICK, OUTSIDE_LIMITS, UNKNOWN_ORDER, NOTHING_REMAINING, CANCEL_QUANTITY, BAD_DATE,
    PAST_DAY_ORDER, HALTED,
})
