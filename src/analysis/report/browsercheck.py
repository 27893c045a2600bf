"""Open built HTML reports in headless Chromium and list what is wrong with them.

`check_report_folder(folder)` loads every ``*.html`` in ``folder`` from a
``file://`` URL, with the network emulated offline, and reports (one string per
problem, empty list = all good):

- console messages of type ``error`` and uncaught page errors;
- any request that is not ``file:``/``data:`` (a report must be self-contained);
- images that did not load (``naturalWidth == 0``);
- "Traceback", "Error" or "Exception" in the visible text (a notebook printed an
  error instead of failing the build);
- ``window.__xss`` defined after load (the marker the XSS test payloads set);
- in ``index.html``, links whose target file is missing (targets outside the
  folder's HTML files are loaded and checked too).

It drives the system Chromium (``/usr/bin/chromium``) through Playwright's Python
API and never downloads a browser. Playwright is a dev dependency, imported only
when a check runs. Used by ``tests/test_browser.py`` and by end-to-end tests on the
real ``reports/`` folder.
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Visible text that means a notebook showed an error instead of failing the build.
ERROR_WORDS = ("Traceback", "Error", "Exception")
_LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")

_IMAGES_JS = """els => els.map(e => ({src: (e.getAttribute('src') || '').slice(0, 60),
    complete: e.complete, width: e.naturalWidth}))"""
_LINKS_JS = "els => els.map(e => e.getAttribute('href'))"


def check_report_folder(
    folder: Path | str,
    *,
    screenshot_dir: Path | str | None = None,
    executable_path: Path | str = CHROMIUM,
    timeout_ms: int = 30_000,
) -> list[str]:
    """Problems found loading every HTML file of ``folder`` in headless Chromium.

    ``screenshot_dir``, if given, receives a full-page PNG per file
    (``<stem>.png``).
    """
    from playwright.sync_api import sync_playwright

    folder = Path(folder).resolve()
    queue = sorted(folder.glob("*.html"))
    if not queue:
        return [f"{folder}: no HTML files"]
    shots = Path(screenshot_dir) if screenshot_dir is not None else None
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)

    problems: list[str] = []
    seen: set[Path] = set()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(executable_path), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
            context.set_default_timeout(timeout_ms)
            while queue:
                path = queue.pop(0)
                if path in seen:
                    continue
                seen.add(path)
                found, links = _check_page(context, path, folder, shots)
                problems.extend(found)
                for target in links:
                    if not target.is_file():
                        problems.append(
                            f"{path.name}: link to {target.name} but {target} does not exist"
                        )
                    elif target not in seen and target.suffix == ".html":
                        queue.append(target)
        finally:
            browser.close()
    return problems


def _check_page(context, path: Path, folder: Path, shots: Path | None):
    """(problems, link targets) of one page."""
    label = path.name if path.parent == folder else str(path)
    problems: list[str] = []
    page = context.new_page()

    def on_console(msg) -> None:
        if msg.type == "error":
            problems.append(f"{label}: console error: {msg.text}")

    def on_request(request) -> None:
        if not request.url.startswith(_LOCAL_SCHEMES):
            problems.append(f"{label}: requests {request.url} (must be self-contained)")

    page.on("console", on_console)
    page.on("pageerror", lambda err: problems.append(f"{label}: page error: {err}"))
    page.on("request", on_request)
    try:
        page.goto(path.as_uri(), wait_until="load")
        for img in page.eval_on_selector_all("img", _IMAGES_JS):
            if not img["complete"] or img["width"] <= 0:
                problems.append(f"{label}: image did not load: {img['src']!r}")
        text = page.inner_text("body")
        for word in ERROR_WORDS:
            for match in re.finditer(re.escape(word), text):
                start = max(0, match.start() - 40)
                snippet = " ".join(text[start : match.end() + 40].split())
                problems.append(f"{label}: shows {word!r}: ...{snippet}...")
                break
        if page.evaluate("() => typeof window.__xss !== 'undefined'"):
            problems.append(f"{label}: injected script ran (window.__xss is set)")
        links = []
        if path.name == "index.html":
            for href in page.eval_on_selector_all("a[href]", _LINKS_JS):
                target = _local_target(href, path)
                if target is None:
                    problems.append(f"{label}: link {href!r} leaves the report folder")
                else:
                    links.append(target)
        if shots is not None:
            page.screenshot(path=str(shots / f"{path.stem}.png"), full_page=True)
    except Exception as err:  # a page that cannot even load is one problem, not a crash
        problems.append(f"{label}: could not check: {type(err).__name__}: {err}")
        links = []
    finally:
        page.close()
    return problems, links


def _local_target(href: str, page: Path) -> Path | None:
    """The file a relative link points at, or None for links with a scheme."""
    parts = urllib.parse.urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    if not parts.path:
        return page
    return (page.parent / urllib.parse.unquote(parts.path)).resolve()
