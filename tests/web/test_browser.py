"""The web UI as an analyst uses it, in Debian's Chromium against a running `clearance serve`.

One module, one server, one browser (fixtures in conftest.py); the tests run in order and build
on each other the way a working day does: sign in, screen, read the entry, decide, review the
alert, look at the lists and the audit trail. Every page is watched for JavaScript errors and
failed or refused requests (`watch`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from web_support import PASSWORDS, Site, Watch

from clearance.audit.tables import audit_record

# The tests build on each other (the alert reviewed is the one a screening raised): one worker
# runs them all, in order, on one server (`make test` runs pytest with `--dist loadfile`).
pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
FEE = json.loads((REPO / "examples" / "fsb-fees.jsonl").read_text().splitlines()[1])
assert FEE["id"] == "fee-2022-07-15"


def sign_in(page: Any, site: Site, name: str, password: str | None = None) -> None:
    page.goto(site.url("/signin"))
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(password or PASSWORDS[name][1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(site.url("/"))


class Person:
    """One browser context (cookies of its own) signed in as one user, watched."""

    def __init__(self, browser: Any, site: Site, name: str, width: int = 1280) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        # Generous: on a loaded two-core machine a first screening can take tens of seconds.
        self.context.set_default_timeout(120_000)
        self.watch = Watch()
        self.watch.attach(self.context)
        self.page = self.context.new_page()
        self.site = site
        if name:
            sign_in(self.page, site, name)

    def go(self, path: str) -> Any:
        self.page.goto(self.site.url(path))
        return self.page

    def shot(self, name: str, full_page: bool = True) -> None:
        self.page.screenshot(path=str(self.site.shots / f"{name}.png"), full_page=full_page)

    def close(self) -> None:
        try:
            self.watch.check()
        finally:
            self.context.close()


@pytest.fixture(scope="module")
def ana(browser: Any, site: Site) -> Iterator[Person]:
    person = Person(browser, site, "ana")
    yield person
    person.close()


@pytest.fixture(autouse=True)
def clean_pages(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test, the analyst's pages must have shown no error and no failed request."""
    yield
    if "ana" in request.fixturenames:
        watch: Watch = request.getfixturevalue("ana").watch
        try:
            watch.check()
        finally:
            watch.problems.clear()
            watch.statuses.clear()


def screen(page: Any, name: str, as_of: str = "", **fields: str) -> Any:
    origin = re.match(r"https?://[^/]+", page.url)
    assert origin is not None
    page.goto(origin.group(0) + "/")
    page.get_by_label("Name", exact=True).fill(name)
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    if as_of:
        page.get_by_label("As of", exact=True).fill(as_of)
    with page.expect_navigation():
        page.get_by_role("button", name="Screen").click()
    return page


def hit(page: Any, source_id: str) -> Any:
    cards = page.locator("article.hit").filter(has_text=f"entry {source_id}")
    assert cards.count() == 1, page.locator("main").inner_text()
    return cards


def words(text: str) -> str:
    return " ".join(text.split())


def token_rows(card: Any, columns: int) -> list[list[str]]:
    """The explanation's table: query token, listed token, similarity, how."""
    return [
        [cell.strip() for cell in row.locator("td").all_inner_texts()[:columns]]
        for row in card.locator("table.tokens tbody tr").all()
    ]


def last_record(site: Site, kind: str) -> Any:
    with site.engine.connect() as conn:
        return conn.execute(
            select(audit_record)
            .where(audit_record.c.kind == kind)
            .order_by(audit_record.c.seq.desc())
            .limit(1)
        ).one()


# --- sign-in ---------------------------------------------------------------------------------


def test_wrong_password_is_refused(browser: Any, site: Site) -> None:
    person = Person(browser, site, "")
    page = person.go("/alerts")
    assert page.url.startswith(site.url("/signin"))  # every page needs a signed-in user
    person.shot("signin")
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill("not ana's passphrase")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "Wrong user name or password."
    person.watch.expect(401)
    assert page.url == site.url("/signin")
    assert not [c for c in person.context.cookies() if c["name"] == "clearance_session"]
    # An unknown user gets the very same answer.
    page.get_by_label("Username").fill("mallory")
    page.get_by_label("Password").fill("whatever it is, it is wrong")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "Wrong user name or password."
    person.watch.expect(401)
    # The right password goes on to the page first asked for.
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill(PASSWORDS["ana"][1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(site.url("/alerts"))
    cookie = next(c for c in person.context.cookies() if c["name"] == "clearance_session")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"
    person.close()


# --- screening -------------------------------------------------------------------------------


def test_screen_fsb_after_the_june_2022_designation(ana: Person, site: Site) -> None:
    page = screen(ana.page, "Federal Security Service", as_of="2022-07-15")
    card = hit(page, "21344")
    assert "MATCH" in card.locator(".badge").all_inner_texts()
    assert "RUSSIA-EO14024" in card.locator(".chips li").all_inner_texts()
    assert card.locator(".score .big").inner_text() == "1.00"
    # The explanation, token by token.
    rows = token_rows(card, 2)
    assert rows == [["federal", "FEDERAL"], ["security", "SECURITY"], ["service", "SERVICE"]]
    assert "ofac-sdn published 2022-06-28" in page.locator("main").inner_text()
    ana.shot("screen")
    # The signed-in user is the actor of the screening's record.
    record = last_record(site, "screening")
    assert record.actor == "ana"
    assert json.loads(record.payload)["party"]["name"] == "Federal Security Service"


def test_screen_in_cyrillic_with_its_explanation(ana: Person, site: Site) -> None:
    # On 2024-01-15 the SDN version in force is that of 2023-12-28, the only one stored with
    # alt.csv: it has the Russian alias FEDERALNAYA SLUZHBA BEZOPASNOSTI.
    page = screen(ana.page, "Федеральная служба безопасности", as_of="2024-01-15")
    assert "ofac-sdn published 2023-12-28" in page.locator("main").inner_text()
    card = hit(page, "21344")
    assert "MATCH" in card.locator(".badge").all_inner_texts()
    assert "FEDERALNAYA SLUZHBA BEZOPASNOSTI" in card.locator(".explain .names").inner_text()
    rows = token_rows(card, 3)
    assert rows == [
        ["federalnaya", "FEDERALNAYA", "1.00"],
        ["sluzhba", "SLUZHBA", "1.00"],
        ["bezopasnosti", "BEZOPASNOSTI", "1.00"],
    ]
    ana.shot("screen-cyrillic")

    page = screen(ana.page, "ФСБ", as_of="2024-01-15")
    card = hit(page, "21344")
    assert "review" in card.locator(".badge").all_inner_texts()
    assert "weak aliases match only exactly" in card.inner_text()


def test_arabic_and_chinese_input(ana: Person, site: Site) -> None:
    page = screen(ana.page, "قاسم سليماني", as_of="2024-01-15")
    card = hit(page, "10481")  # SOLEIMANI, Qasem
    assert "SOLEIMANI" in card.locator("h3").inner_text()
    assert page.get_by_label("Name", exact=True).input_value() == "قاسم سليماني"
    # Read syllable by syllable (`li fang wei`), it reaches `LI, Fangwei` through clearance-v1.1's
    # joined-word route (clearance-v1 found nothing); the input arrives exactly.
    page = screen(ana.page, "李方伟", as_of="2024-01-15")
    card = hit(page, "11447")
    assert "LI, Fangwei" in card.locator("h3").inner_text()
    assert "fang+wei\tFANGWEI\t 1.00\tmerged" in card.inner_text()
    assert json.loads(last_record(site, "screening").payload)["party"]["name"] == "李方伟"


def test_refused_input_keeps_the_form(ana: Person) -> None:
    page = screen(ana.page, "Vladimir Putin", **{"Date of birth": "1952-13-45"})
    assert "not a real date" in page.get_by_role("alert").inner_text()
    ana.watch.expect(400)
    assert page.get_by_label("Name", exact=True).input_value() == "Vladimir Putin"


# --- the entry -------------------------------------------------------------------------------


def test_entry_timeline_shows_the_2022_06_28_change(ana: Person, site: Site) -> None:
    page = screen(ana.page, "Federal Security Service", as_of="2022-07-15")
    hit(page, "21344").locator("h3 a").click()
    page.wait_for_url("**/entries/ofac-sdn/21344?as_of=2022-07-15")
    assert page.locator("h1").inner_text() == "FEDERAL SECURITY SERVICE"
    steps = page.locator("ol.timeline > li")
    assert steps.count() == 3
    first, second, third = (steps.nth(i) for i in range(3))
    assert "2022-06-17" in first.locator("h3").inner_text() and "added" in first.inner_text()
    assert "2022-06-28" in second.locator("h3").inner_text()
    assert "in force on 2022-07-15" in second.locator("h3").inner_text()
    programs = second.locator(".changes > li").filter(has_text="Programs")
    assert [words(t) for t in programs.locator("li.added").all_inner_texts()] == [
        "+ added: RUSSIA-EO14024"
    ]
    added_later = words(" ".join(third.locator("li.added").all_inner_texts()))
    assert "FEDERALNAYA SLUZHBA BEZOPASNOSTI (aka)" in added_later
    ana.shot("entry")
    # As of a date before that change, the entry has no RUSSIA-EO14024.
    page.get_by_label("As of").fill("2022-06-20")
    page.get_by_role("button", name="Show").click()
    fields = page.locator("dl.fields").inner_text()
    assert "CAATSA - RUSSIA" in fields and "RUSSIA-EO14024" not in fields


# --- decisions -------------------------------------------------------------------------------


def test_decide_the_fee_of_2022_07_15(ana: Person, site: Site) -> None:
    page = ana.go("/decide")
    form = page.locator("form").filter(has=page.get_by_label("Transaction"))
    page.get_by_label("Transaction").fill(json.dumps(FEE))
    with page.expect_navigation():
        form.get_by_role("button", name="Decide").click()
    assert page.locator("#decision .badge").inner_text() == "PROHIBITED"
    uncovered = page.locator(".notice.error").filter(has_text="Not covered").inner_text()
    assert "EO14024" in uncovered and "RUSSIA-EO14024" in uncovered
    assert "specific license could be sought" in uncovered
    steps = page.locator("ol.reasons > li .step").all_text_contents()
    assert steps[0] == "rules" and steps[1] == "screening" and steps[-1] == "decision"
    assert "EO13694" in page.locator("ol.reasons").inner_text()
    caps = page.locator("table.caps tbody tr").first.locator("td").all_inner_texts()
    assert caps[2] == "USD 5000.00" and caps[6] == "USD 3800.00" and caps[7] == "read, not used"
    ana.shot("decide")
    assert last_record(site, "decision").actor == "ana"


def test_decide_with_the_simple_form(ana: Person) -> None:
    page = ana.go("/decide")
    page.get_by_label("Party", exact=True).fill("Federal Security Service")
    page.get_by_label("Party country", exact=True).fill("RU")
    page.get_by_label("Date", exact=True).fill("2022-06-20")
    page.get_by_label("Purpose", exact=True).select_option("import-authorization-fee")
    page.get_by_label("Amount", exact=True).fill("1200")
    page.get_by_label("Goods", exact=True).fill("laser printers")
    page.get_by_label("ECCN", exact=True).fill("5A992.c")
    page.get_by_label("Export authorization", exact=True).fill("D1234567")
    page.get_by_label("Regions", exact=True).fill("RU")
    page.get_by_label("Cap holder", exact=True).fill("ACME Corp")
    simple = page.locator("form").filter(has=page.get_by_label("ECCN", exact=True))
    with page.expect_navigation():
        simple.get_by_role("button", name="Decide").click()
    assert page.locator("#decision .badge").inner_text() == "AUTHORIZED"
    assert "CYBER-GL-1B" in page.locator("main").inner_text()


# --- alerts and their review -----------------------------------------------------------------


def test_alert_in_the_queue_and_its_four_eyes_review(ana: Person, browser: Any, site: Site) -> None:
    page = ana.go("/alerts")
    party = page.locator("td.name bdi", has_text=re.compile("^Federal Security Service$"))
    rows = page.locator("table.queue tbody tr").filter(has=party)
    assert rows.count() >= 1
    assert "open" in rows.first.inner_text()
    ana.shot("alerts")
    rows.first.get_by_role("link").click()
    page.wait_for_url("**/alerts/*")
    alert_url = page.url
    assert "21344" in page.locator("main").inner_text()
    assert page.locator("table.tokens").count() == 1  # the explanation
    page.get_by_label("True match").check()
    page.get_by_label("Note").fill("Same name, Russian state body: it is the FSB.")
    page.get_by_role("button", name="Record review").click()
    page.wait_for_url("**?reviewed=1")
    assert "true match, pending confirmation" in page.locator("main .badge").first.inner_text()
    assert "You made the first review" in page.locator("main").inner_text()
    ana.shot("alert")
    review = last_record(site, "review")
    assert review.actor == "ana" and json.loads(review.payload)["to"]["state"] == "true_match"

    # A viewer sees the alert but may not review it.
    vic = Person(browser, site, "vic")
    vic.go(alert_url.removeprefix(site.base_url))
    assert vic.page.get_by_role("button", name="Record review").count() == 0
    assert "cannot take this review" in vic.page.locator("main").inner_text()
    vic.close()

    # The approver confirms: the true match is final, the history shows both reviews.
    abe = Person(browser, site, "abe")
    abe.go(alert_url.removeprefix(site.base_url))
    abe.page.get_by_label("True match").check()
    abe.page.get_by_label("Note").fill("Confirmed against the SDN entry.")
    abe.page.get_by_role("button", name="Record review").click()
    abe.page.wait_for_url("**?reviewed=1")
    badges = abe.page.locator("main p .badge").all_inner_texts()
    assert "true match" in badges and "final" in badges
    history = abe.page.locator("ol.history > li").all_inner_texts()
    assert len(history) == 2 and "ana" in history[0] and "abe" in history[1]
    assert last_record(site, "review").actor == "abe"
    abe.close()


def test_false_positive_is_remembered(ana: Person) -> None:
    page = ana.go("/alerts?state=open&q=ФСБ")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 1
    rows.first.get_by_role("link").click()
    page.get_by_label("False positive").check()
    page.get_by_label("Note").fill("Our customer FSB is Fort Smith Builders, not the FSB.")
    page.get_by_role("button", name="Record review").click()
    page.wait_for_url("**?reviewed=1")
    page = screen(page, "ФСБ", as_of="2024-01-15")
    status = hit(page, "21344").locator(".review-status").inner_text()
    assert status.startswith("Suppressed: reviewed as a false positive by ana")


# --- lists and audit -------------------------------------------------------------------------


def test_lists_versions_and_diff(ana: Person) -> None:
    page = ana.go("/lists")
    rows = page.locator("table.versions tbody tr")
    assert rows.count() == 3
    published = [r.locator("td").nth(2).inner_text() for r in rows.all()]
    assert published == ["2022-06-17", "2022-06-28", "2023-12-28"]
    assert all(len(h) == 64 for h in page.locator("table.versions code.hash").all_inner_texts())
    ana.shot("lists")
    page.get_by_label("From").fill("2022-06-17")
    page.get_by_label("To").fill("2022-06-30")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**/lists/diff?**")
    fsb = page.locator("ul.changed > li").filter(has_text="FEDERAL SECURITY SERVICE")
    assert "+ RUSSIA-EO14024" in fsb.inner_text()
    ana.shot("diff", full_page=False)


def test_audit_verify_records_and_replay(ana: Person) -> None:
    page = ana.go("/audit")
    page.get_by_role("link", name="Verify the chain").click()
    assert "The chain is intact." in page.get_by_role("status").inner_text()
    page = ana.go("/audit")
    page.get_by_label("Kind").select_option("review")
    page.get_by_role("button", name="Show records").click()
    kinds = page.locator("table.records tbody tr td:nth-child(3)").all_inner_texts()
    actors = page.locator("table.records tbody tr td:nth-child(4)").all_inner_texts()
    assert set(kinds) == {"review"} and {"ana", "abe"} <= set(actors)
    page.get_by_label("Kind").select_option("screening")
    page.get_by_role("button", name="Show records").click()
    ana.shot("audit")
    page.locator("table.records tbody tr").first.get_by_role("link").click()
    page.get_by_role("button", name="Replay").click()
    assert "Identical" in page.get_by_role("status").inner_text()
    ana.shot("record-replay")


# --- safety and the API beside it ------------------------------------------------------------


def test_forms_refuse_forged_posts(ana: Person, site: Site) -> None:
    request = ana.context.request  # shares the signed-in cookies
    headers = {"Accept": "text/html"}
    no_token = request.post(site.url("/"), form={"name": "Vladimir Putin"}, headers=headers)
    assert no_token.status == 403
    assert "security token" in no_token.text()
    page = ana.go("/")
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    other_site = request.post(
        site.url("/"),
        form={"name": "Vladimir Putin", "csrf": token},
        headers=headers | {"Origin": "https://evil.example"},
    )
    assert other_site.status == 403
    good = request.post(
        site.url("/"), form={"name": "Vladimir Putin", "csrf": token}, headers=headers
    )
    assert good.status == 200 and "35096" in good.text()
    assert good.headers["content-security-policy"].startswith("default-src 'none'")
    # API clients on the same paths are not answered by the pages.
    api = request.get(site.url("/alerts"), headers={"Authorization": "ApiKey x", "Accept": "*/*"})
    assert api.headers["content-type"].startswith("application/json")


# --- usability -------------------------------------------------------------------------------


def test_keyboard_only(browser: Any, site: Site) -> None:
    person = Person(browser, site, "")
    page = person.go("/signin")
    # Sign in without a mouse: the Username field has focus, Tab moves on, Enter submits.
    assert page.evaluate("document.activeElement.id") == "username"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.type("ana")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORDS["ana"][1])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == site.url("/")
    # Screen from the keyboard: the Name field has focus, Enter submits.
    assert page.evaluate("document.activeElement.id") == "name"
    page.keyboard.type("Vladimir Putin")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert hit(page, "35096").count() == 1
    # Tab order reaches the first hit's entry link, with a visible focus ring.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('article.hit') !== null"):
            break
    assert page.evaluate("document.activeElement.tagName") == "A"
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineWidth")
    assert ring not in ("0px", "")
    # On a page without a form, the first Tab shows the skip link; Enter jumps to the content.
    page = person.go("/lists")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    box = page.evaluate("document.activeElement.getBoundingClientRect().top")
    assert box >= 0  # moved into view when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    person.close()


LONG_NAME = (
    "Islamic Revolutionary Guard Corps Qods Force Aerospace and Missile Procurement Directorate "
    "Trading and Logistics Company Limited Liability Partnership "
    "Ooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooong"
)


@pytest.mark.parametrize("width", [390, 1280])
def test_layout_holds_at_phone_and_desktop_width(browser: Any, site: Site, width: int) -> None:
    person = Person(browser, site, "ana", width=width)
    page = person.page
    pages = ["/decide", "/alerts?state=all", "/lists", "/audit", "/entries/ofac-sdn/21344"]
    screen(page, LONG_NAME, as_of="2023-12-31")
    assert page.locator("#results").inner_text().endswith(LONG_NAME)
    for path in [None, *pages]:
        if path:
            person.go(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path or '/'} is {overflow}px wider than the {width}px window"
    if width == 390:
        screen(page, "Федеральная служба безопасности", as_of="2024-01-15")
        person.shot("screen-390")
        person.go("/entries/ofac-sdn/21344?as_of=2022-07-15")
        person.shot("entry-390")
    person.close()


def test_sign_out_and_disabled_users(browser: Any, site: Site) -> None:
    person = Person(browser, site, "vic")
    page = person.page
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(site.url("/signin"))
    person.go("/decide")
    assert page.url.startswith(site.url("/signin?next="))
    # A form posted after the session ended leads back to its page, not to a POST-only path.
    late = person.context.request.post(
        site.url("/audit/records/1/replay"),
        form={},
        headers={"Accept": "text/html"},
        max_redirects=0,
    )
    assert late.status == 303
    assert late.headers["location"] == "/signin?next=/audit/records/1"
    sign_in(page, site, "vic")
    # Disabling a user ends their session at once.
    done = site.cli("users", "disable", "vic")
    assert done.returncode == 0, done.stderr
    person.go("/lists")
    assert page.url.startswith(site.url("/signin"))
    person.close()


def test_sign_in_form_guards(browser: Any, site: Site) -> None:
    person = Person(browser, site, "")
    request = person.context.request
    html = {"Accept": "text/html"}
    # Without the sign-in form's own cookie, a posted password is not even checked.
    forged = request.post(
        site.url("/signin"),
        form={"username": "ana", "password": PASSWORDS["ana"][1], "csrf": "x", "next": "/"},
        headers=html,
        max_redirects=0,
    )
    assert forged.status == 403 and "expired" in forged.text()
    # `next` never leads off the site.
    page = person.go("/signin?next=//evil.example/")
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill(PASSWORDS["ana"][1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(site.url("/"))
    assert request.get(site.url("/static/nothing.css")).status == 404
    person.watch.statuses.clear()  # the three refusals above were provoked on purpose
    person.close()
