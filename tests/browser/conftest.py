"""Browser journeys: Playwright for Python driving Debian's chromium against a live server.

The browser is the system's own ``/usr/bin/chromium`` (``make chromium`` installs it with
apt-get; ``make test`` runs that first). No browser is ever downloaded: Playwright launches the
executable given here. A missing chromium FAILS these tests, it does not skip them.

The live server runs in a thread of the test process on the real PostgreSQL test database;
the tests are transactional (each one's data is committed, then flushed), and
tests/conftest.py puts back the rows that migrations seed. See docs/dev/browser-tests.md.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# The flags from the environment notes: headless, no sandbox (chromium refuses to sandbox as
# root), no GPU, and nothing that reaches out to the network on its own.
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000


@pytest.fixture(scope="package")
def _playwright():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"chromium not found at {CHROMIUM}: the browser tests need Debian's chromium. "
            "Run `make chromium` (apt-get install -y chromium) or set CHROMIUM=/path/to/chromium.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop on this thread; Django's guard against
    # calling the ORM from async code would otherwise refuse the test's own queries. Package
    # scope: the loop (and this setting) end with the browser tests, not with the session.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            yield playwright
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
    yield browser
    browser.close()


def new_page(browser, *, viewport=None, **context_options):
    """A page in a fresh context (own cookies and storage); ``viewport=PHONE`` for a phone."""
    if viewport == PHONE:
        context_options.update(is_mobile=True, has_touch=True)
    context = browser.new_context(
        viewport=viewport or DESKTOP,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        # No smooth scrolling or sliding menus: steadier screenshots, no waiting on animations.
        reduced_motion="reduce",
        **context_options,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    # Script errors and server errors (5xx, also of htmx requests) fail the test.
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.request.method} {r.url}") if r.status >= 500 else None
        ),
    )
    page.js_errors = errors
    return page


@pytest.fixture
def desktop(browser):
    page = new_page(browser)
    yield page
    page.context.close()
    assert not page.js_errors, f"errors on the page: {page.js_errors}"


@pytest.fixture
def phone(browser):
    page = new_page(browser, viewport=PHONE)
    yield page
    page.context.close()
    assert not page.js_errors, f"errors on the page: {page.js_errors}"


# Head, spouse and child of each of a county's six households in tests.access.build_world.
FAMILIES = [
    ("王建国", "赵淑芬", "王磊"),
    ("李桂兰", "周德明", "周婷"),
    ("张德福", "孙玉梅", "张伟"),
    ("刘秀英", "吴长林", "吴敏"),
    ("陈志强", "黄丽华", "陈浩"),
    ("杨春花", "郑国庆", "郑佳"),
]


def plausible_names(world) -> None:
    """Ordinary names instead of "户主431202000001", so the pictures read like real pages."""
    from households.models import Member

    for county in world.counties.values():
        for household, names in zip(county.households, FAMILIES, strict=True):
            for relation, name in zip(("01", "02", "03"), names, strict=True):
                Member.objects.filter(household=household, relation=relation).update(name=name)


def login(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]:has-text('登录')")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def sign_in(page, live_server, user) -> None:
    """A session for ``user`` without the login form (the form is exercised by the journeys)."""
    from django.conf import settings as django_settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": live_server.url, "httpOnly": True}]
    )


def screenshot(page, name: str, *, full_page: bool = False) -> Path:
    """Save the page as artifacts/screenshots/NAME.png (the test run's artefacts)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path
