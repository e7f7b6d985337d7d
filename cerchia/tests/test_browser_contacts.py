"""Contacts in a real browser on a phone: import the LinkedIn export through the page's form
and see the people listed. Reuses the ``page`` fixture of ``test_browser``; skipped, with the
reason printed, where Chromium is not installed."""

from __future__ import annotations

from typing import Any

from cerchia.conftest import make_user
from cerchia.contacts.models import Contact
from cerchia.contacts.tests.contacts_helpers import LINKEDIN
from cerchia.tests.test_browser import _fits_the_phone, _log_in, page, pytestmark

__all__ = ["page", "pytestmark"]


def test_import_the_linkedin_export_and_see_the_contacts_on_a_phone(
    page: Any,  # noqa: F811 — the fixture imported above
    live_server: Any,
) -> None:
    member = make_user("maria@example.org", "Maria Rossi")
    base = live_server.url
    _log_in(page, base, "maria@example.org")

    page.click("#nav-contacts")
    page.wait_for_url(f"{base}/contacts/")
    assert "No contacts yet" in page.locator("#contact-list").inner_text()
    _fits_the_phone(page)

    page.click("#contact-import")
    page.wait_for_url(f"{base}/contacts/import/")
    page.select_option("#import-form select[name=format]", "linkedin")
    page.set_input_files("#import-form input[name=file]", str(LINKEDIN))
    page.click("#import-form button[type=submit]")
    page.wait_for_url(f"{base}/contacts/")

    message = page.locator("#messages").inner_text()
    assert "imported 40, already present 0" in message.lower()
    assert page.locator("#contact-total").inner_text() == "(40)"
    assert page.locator("#contact-list article").count() == 30  # the first page
    names = page.locator("#contact-list").inner_text()
    assert "Alessandro van der Berg" in names and "Mary-Kate Giordano" in names
    assert Contact.objects.filter(owner=member).count() == 40
    _fits_the_phone(page)

    # The search finds the one on the second page.
    page.fill("#contact-filters input[name=q]", "GALLO")
    page.click("#contact-filters button")
    page.wait_for_selector("#contact-found")
    assert page.locator("#contact-list article").count() == 1
    assert "Łukasz Gallo" in page.locator("#contact-list").inner_text()
    page.goto(f"{base}/contacts/")

    # One of them, on the phone too.
    page.click("#contact-list a:has-text('Mary-Kate Giordano')")
    page.wait_for_selector("#contact-facts")
    assert "Banca di Bologna" in page.content()
    _fits_the_phone(page)
