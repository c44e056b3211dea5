"""One percent parser for files and options: "3", "3%", "3 pp", "3pp", "3.5 %" all mean 3 percent(-points)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trimtab.adapters.files.loader import parse_percentage
from trimtab.domain.errors import InvalidInput
from trimtab.domain.numbers import parse_percent, percent_number


@pytest.mark.parametrize(("text", "fraction"), [
    ("3", "0.03"), ("3%", "0.03"), ("3 %", "0.03"), ("3 pp", "0.03"), ("3pp", "0.03"), ("3 PP", "0.03"),
    (" 3.5 % ", "0.035"), ("0", "0"), ("100", "1"), ("2.5pp", "0.025"), ("-1", "-0.01"),
])
def test_percent_forms_read_as_the_same_fraction(text: str, fraction: str) -> None:
    assert parse_percent(text, where="test", field="band") == Decimal(fraction)
    assert parse_percentage(text, where="test", field="weight") == Decimal(fraction)  # files share the parser


@pytest.mark.parametrize("text", ["%", "pp", "3 %%", "3 ppp", "3 p", "3 % pp", "three %", "3,5 %", "nan %", ""])
def test_bad_percentages_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_percent(text, where="test", field="band")


@pytest.mark.parametrize(("fraction", "shown"), [("0.03", "3"), ("0.025", "2.5"), ("1", "100"), ("0", "0"),
                                                 ("0.0300", "3"), ("0.5", "50")])
def test_percent_number_shows_what_a_person_would_type(fraction: str, shown: str) -> None:
    assert percent_number(Decimal(fraction)) == shown
