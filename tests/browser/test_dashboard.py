"""The dashboard in headless Chromium: log in, view drift, preview a plan, execute it on the paper broker and see
the run complete; what a read token may not do; the bands form's messages; a bad token; a plan that changed."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.api.conftest import Api, running_api
from tests.browser.conftest import log_in, open_page
from trimtab.application.reviewed_plans import plan_fingerprint


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    """The app (API and dashboard) on a fresh demo database: SQLite, then PostgreSQL."""
    with running_api(database_url) as served:
        yield served


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A desktop-wide page without cookies."""
    opened = open_page(browser)
    yield opened
    opened.context.close()


def test_dashboard_trader_previews_and_executes_a_plan_to_completion(api: Api, browser: Browser, page: Page,
                                                                    shots: Path) -> None:
    log_in(page, api, "trade")
    card = page.locator("#account-DEMO-KR")
    expect(card.locator(".pill.breach")).to_contain_text("breaches")
    expect(card.locator("svg.bar")).to_have_count(4)  # EQUITY, BOND, GOLD, CASH
    page.screenshot(path=shots / "dashboard-desktop.png", full_page=True)

    card.get_by_role("link", name="Drift by ticker").click()
    expect(page.locator("h1")).to_contain_text("DEMO-KR")
    expect(page.locator("figure.chart")).to_have_count(2)  # classes and tickers
    expect(page.locator(".breaches li").first).to_contain_text("class EQUITY underweight")
    page.screenshot(path=shots / "dashboard-drift.png", full_page=True)

    page.get_by_role("link", name="Preview plan").first.click()
    orders = page.locator("#orders tbody tr")
    expect(orders.first).to_be_visible()
    planned = orders.count()
    assert planned > 0
    expect(page.locator("#orders")).to_contain_text("069500")
    expect(page.locator("#skipped tbody tr").first).to_be_visible()  # trades not made, with their reason
    page.screenshot(path=shots / "dashboard-plan.png", full_page=True)

    page.click("#execute")
    page.wait_for_url(re.compile(r".*/ui/runs/[0-9a-f]+$"))
    expect(page.locator("h1 .pill")).to_have_text("completed")
    expect(page.locator("#run-orders tbody tr")).to_have_count(planned)
    expect(page.locator("#run-orders")).to_contain_text("filled")
    expect(page.locator("#fills tbody tr").first).to_be_visible()
    expect(page.locator(".timeline li.done")).to_have_count(5)
    page.screenshot(path=shots / "dashboard-run.png", full_page=True)
    run_id = page.url.rsplit("/", 1)[1]
    assert api.trimtab.run(run_id).status.value == "completed"

    page.goto(f"{api.url}/ui/runs")
    expect(page.locator("table")).to_contain_text(run_id[:8])
    _phone_screenshots(browser, api, shots, run_id)


def _phone_screenshots(browser: Browser, api: Api, shots: Path, run_id: str) -> None:
    phone = open_page(browser, phone=True)
    try:
        log_in(phone, api, "trade")
        expect(phone.locator("#account-DEMO-US svg.bar").first).to_be_visible()
        phone.screenshot(path=shots / "dashboard-phone.png", full_page=True)
        phone.goto(f"{api.url}/ui/accounts/DEMO-US/plan")
        expect(phone.locator("#orders")).to_be_visible()
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390  # wide tables scroll inside their frame, never the page
        phone.screenshot(path=shots / "dashboard-plan-phone.png", full_page=True)
        phone.goto(f"{api.url}/ui/runs/{run_id}")
        expect(phone.locator("#fills")).to_be_visible()
        phone.screenshot(path=shots / "dashboard-run-phone.png", full_page=True)
    finally:
        phone.context.close()


def test_dashboard_reader_sees_no_execute_button_and_cannot_execute(api: Api, page: Page) -> None:
    log_in(page, api, "read")
    page.goto(f"{api.url}/ui/accounts/DEMO-KR/plan")
    expect(page.locator("#orders tbody tr").first).to_be_visible()
    expect(page.locator("#execute")).to_have_count(0)
    expect(page.locator(".execute")).to_contain_text("trade")
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    answer = page.request.post(f"{api.url}/ui/accounts/DEMO-KR/execute",
                               form={"csrf": csrf or "", "fingerprint": "x", "key": "k"})
    assert answer.status == 403
    assert api.trimtab.runs("DEMO-KR") == []


def test_dashboard_form_without_the_session_csrf_is_refused(api: Api, page: Page) -> None:
    log_in(page, api, "trade")
    answer = page.request.post(f"{api.url}/ui/accounts/DEMO-KR/execute", form={"fingerprint": "x", "key": "k"})
    assert answer.status == 403
    assert "reload the page" in answer.text()
    assert api.trimtab.runs("DEMO-KR") == []


def test_dashboard_bad_band_values_show_messages_naming_the_fields(api: Api, page: Page, shots: Path) -> None:
    log_in(page, api, "admin")
    page.goto(f"{api.url}/ui/accounts/DEMO-KR/bands")
    page.fill("#class_band", "150")
    page.fill("#cash_buffer", "lots")
    page.click("#save")
    expect(page.locator(".field.invalid")).to_have_count(2)
    expect(page.locator("#class_band-error")).to_contain_text("Asset-class band: '150': must be between 0 and 100")
    expect(page.locator("#cash_buffer-error")).to_contain_text("Cash buffer: 'lots'")
    page.screenshot(path=shots / "dashboard-bands-invalid.png", full_page=True)
    assert str(api.trimtab.bands("DEMO-KR").class_band) == "0.03"  # nothing was saved

    page.fill("#class_band", "4")
    page.fill("#cash_buffer", "1")
    page.click("#save")
    expect(page.locator(".alert.ok")).to_have_text("Saved.")
    assert api.trimtab.bands("DEMO-KR").class_band * 100 == 4


def test_dashboard_reader_cannot_save_bands(api: Api, page: Page) -> None:
    log_in(page, api, "read")
    page.goto(f"{api.url}/ui/accounts/DEMO-KR/bands")
    expect(page.locator("#save")).to_have_count(0)
    expect(page.locator("#class_band")).to_be_disabled()


def test_dashboard_bad_token_is_refused(api: Api, page: Page) -> None:
    page.goto(f"{api.url}/ui/accounts/DEMO-KR")
    page.wait_for_url(re.compile(r".*/ui/login\?next=/ui/accounts/DEMO-KR$"))
    page.fill("#token", "ttk_" + "x" * 43)
    page.click("button[type=submit]")
    expect(page.locator(".alert.error")).to_contain_text("not valid")
    assert page.context.cookies() == []
    page.fill("#token", api.tokens["read"])  # the page asked for goes on after logging in
    page.click("button[type=submit]")
    page.wait_for_url(f"{api.url}/ui/accounts/DEMO-KR")


def test_dashboard_shows_a_changed_plan_instead_of_executing_it(api: Api, page: Page) -> None:
    from trimtab.application.facade import BandChanges

    log_in(page, api, "trade")
    page.goto(f"{api.url}/ui/accounts/DEMO-KR/plan")
    expect(page.locator("#execute")).to_be_visible()
    api.trimtab.set_bands("DEMO-KR", BandChanges(minimum_trade_value=Decimal(1_000_000)))  # fewer orders
    page.click("#execute")
    expect(page.locator(".alert.warn")).to_contain_text("plan changed since you reviewed it")
    assert api.trimtab.runs("DEMO-KR") == []


def test_dashboard_kill_switch_refuses_the_execution(database_url: str, page: Page) -> None:
    with running_api(database_url, disable_live_trading=True) as api:
        log_in(page, api, "trade")
        page.goto(f"{api.url}/ui/accounts/DEMO-KR/plan")
        expect(page.locator(".execute .alert.error")).to_contain_text("kill switch")
        expect(page.locator("#execute")).to_have_count(0)
        with ThreadPoolExecutor(1) as thread:  # Playwright's loop runs in this thread: plan in another
            plan = thread.submit(asyncio.run, api.trimtab.plan_account("DEMO-KR")).result().plan
        csrf = page.locator("input[name=csrf]").first.get_attribute("value") or ""
        answer = page.request.post(f"{api.url}/ui/accounts/DEMO-KR/execute",
                                   form={"csrf": csrf, "fingerprint": plan_fingerprint(plan), "key": "k1"})
        assert answer.status == 409  # a form sent all the same meets the run's own check
        assert "Not executed: the kill switch TRIMTAB_DISABLE_LIVE_TRADING is on" in answer.text()
        assert api.trimtab.runs("DEMO-KR") == []
