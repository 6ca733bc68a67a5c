"""An error the app did not foresee: the user is told in their language that nothing saved is
lost, and sees no traceback, no library message and no server path."""

from __future__ import annotations

from conftest import REPO


def _failing_page():
    import ui

    class Page:
        def run(self):
            raise IndexError(f"list index out of range in {REPO}/bidgeo/area.py")

    ui.run_page(Page())


def test_an_unforeseen_error_is_said_plainly_and_shows_no_details():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_failing_page, default_timeout=30)
    at.run()
    assert [e.value for e in at.error] == [
        "Något gick fel på sidan. Det du redan har sparat finns kvar. Ladda om sidan och försök igen; händer det "
        "igen, säg till den som driver bidgeo (felet finns i serverns logg)."]
    [shown] = at.exception  # Streamlit's own element, with the details redacted (.streamlit/config.toml)
    assert "IndexError" not in shown.message and str(REPO) not in shown.message and not shown.stack_trace
