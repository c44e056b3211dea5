"""Catalogues of hostile values and the Hypothesis strategies that draw them."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.hostile.documents import Number, Raw, Text

# Refused wherever a number is expected, whatever the field.
BAD_NUMBERS = [
    "NaN", "nan", "-Infinity", "Infinity", "inf", "sNaN", ".nan",
    "1,5", "1,2,3", "12,34", "1,5000", "1,000.000,5", "1__000", "1_0", ",5", "5,",
    "١٢٣", "１２３", "٣.٥", "१२३", "12３",
    "", " ", "abc", "0x10", "1/2", "½", "1e", "--1", "+-1", "1 000", "12.5x", "1.2.3", "e5",
    "1" * 100, "1e400", "1e-400", "9" * 40,
]
# Raw tokens refused where a number is required (JSON constants, YAML specials, other types).
BAD_RAW_NUMBERS = ["NaN", "Infinity", "-Infinity", ".nan", ".inf", "-.inf", "true", "[]", "{}", "[1, 2]"]
# Numbers that only some fields accept: the loaders must keep each within its bound or refuse it.
EDGE_NUMBERS = [
    "0", "-0", "-1", "-0.0001", "1e-17", "1e-30", "1e-8", "0.00000001", "1e17", "1e18", "999999999999999999",
    "1000000000", "1000000001", "1000000", "10", "9.999999", "100", "5000", "99.99", "100.02", "1,842,000",
    "1_000", "0.123456789", "12345678901234", "1E+3", ".5", "5.", "+7",
]
# Refused in every text field (names, identifiers, codes, dates).
BAD_TEXTS = ["A\x00", "\x00", "A\x07B", "\x1b[31mred", "A\nB", "A\tB", "A\x7f", "A\ud800", "A" * 300]
# Also refused in identifiers (symbols, ids, model and class names): format characters, length, blank.
BAD_IDENTIFIERS = [*BAD_TEXTS, "A\u202eB", "A\u200bB", "A" * 65, "   "]
EDGE_TEXTS = ["", " ", "삼성전자", "A B", "[/bold]", "{{x}}", "'; drop table accounts; --", "A\u00a0B", "e\u0301"]

bad_numbers = st.sampled_from(BAD_NUMBERS).map(Number) | st.sampled_from(BAD_RAW_NUMBERS).map(Raw)
bad_texts = st.sampled_from(BAD_TEXTS).map(Text) | st.sampled_from(["[]", "{}", "[1, 2]"]).map(Raw)
bad_identifiers = st.sampled_from(BAD_IDENTIFIERS).map(Text)
edge_values = (st.sampled_from(EDGE_NUMBERS).map(Number) | st.sampled_from(EDGE_TEXTS).map(Text)
               | st.sampled_from(["null", "true", "false", "0", "-1"]).map(Raw)
               | st.text(max_size=12).map(Text)
               | st.decimals(allow_nan=False, allow_infinity=False).map(lambda d: Number(str(d))))

# Byte-level damage to a valid file.
SPECIAL_CHARACTERS = ["\x00", "\x07", "\x1b", "\ufeff", "\u202e", "\ud7ff", "\"", "'", "[", "{", ":", "&a ", "*a",
                      "!!python/object:os.system ", "<<: ", "\t", "\r", "\n", "%", "@", "`", "|", ">", "-", "#", ","]
