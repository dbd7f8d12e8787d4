"""What a new user of the Clusters page's instant panel trips on, in a real headless Chromium (the third
walk-through): a narrow window, the dark theme, a rule whose shift is 0, the colour choice in the link.
One server for the module (each test opens its own page on it)."""

from __future__ import annotations

import pytest

from tests.browser import browser_page, streamlit_server
from tests.test_instant_panel import DRAWN, ROOT, _wait_idle


@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    """(base URL, features file of 400 tracks, some without lyrics) on a server of its own."""
    from bench.feature_file import write_feature_file
    root = tmp_path_factory.mktemp("instant-walk")
    path = write_feature_file(root / "catalogue.parquet", 400, n_genres=4, d_audio=24, d_lyrics=16, seed=3)
    env = {"WORKBENCH_DATA_DIR": str(root), "WORKBENCH_CACHE_DIR": str(root / "cache"), "HF_HUB_OFFLINE": "1"}
    with streamlit_server(env) as url:
        yield url, path


def _open(page, url: str) -> list:
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function(f"() => ({DRAWN})() > 0", timeout=180_000)
    _wait_idle(page)
    return errors


def test_a_narrow_window_reaches_every_live_metric(walk):
    """At 800 px the live row is wider than the panel: it scrolls sideways instead of cutting off
    Calinski-Harabasz and Davies-Bouldin."""
    url, path = walk
    with browser_page(800, 1200) as page:
        errors = _open(page, f"{url}/clusters?ds={path}&instant=1")
        last = page.locator("table.live thead th").last
        assert last.inner_text().startswith("Davies-Bouldin")
        last.scroll_into_view_if_needed()
        right = page.evaluate(f"() => ({ROOT})().getBoundingClientRect().right")
        assert last.bounding_box()["x"] + last.bounding_box()["width"] <= right + 1
        assert not errors, errors


#: Canvas pixels within 12 CSS px of a page point that are near white (the dark theme's text colour).
WHITE_NEAR = f"""(at) => {{ const c = ({ROOT})().querySelector('canvas'); const r = c.getBoundingClientRect();
    const s = c.width / r.width, d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let k = 0;
    for (let y = Math.round((at.y - r.top - 12) * s); y <= (at.y - r.top + 12) * s; y++)
        for (let x = Math.round((at.x - r.left - 12) * s); x <= (at.x - r.left + 12) * s; x++) {{
            const o = (y * c.width + x) * 4;
            if (d[o] > 200 && d[o + 1] > 200 && d[o + 2] > 200 && d[o + 3] > 200) k++; }}
    return k; }}"""


def test_the_selected_point_is_ringed_visibly_on_the_dark_theme(walk):
    """The clicked point's ring takes the theme's text colour (it was black, invisible on the dark theme)."""
    from tests.test_instant_panel import INKED_AT
    url, path = walk
    with browser_page(1200, 1000) as page:
        errors = _open(page, f"{url}/clusters?ds={path}&instant=1&embed_options=dark_theme")
        at = page.evaluate(INKED_AT)
        assert page.evaluate(WHITE_NEAR, at) == 0  # the palette has no near-white colour
        page.mouse.click(at["x"], at["y"])
        page.get_by_text("in the Track inspector").first.wait_for(timeout=30_000)
        page.mouse.move(0, 0)  # no tooltip over the ring
        assert page.evaluate(WHITE_NEAR, at) > 20
        assert not errors, errors


def test_the_chosen_rule_says_what_it_does_and_a_zero_shift_says_it_moves_nothing(walk):
    """The line under the sliders: the rule's condition, its shift and how many tracks it fired on (core's
    count); four default rules shift by 0, and moving their threshold changed nothing without a word."""
    from core.datasets import load_dataset
    from core.experiments import prepare
    from core.features.extract import extract_features
    from core.loop import default_experiment_config
    from core.rules import DEFAULT_RULES, apply_rules, rule_counts
    url, path = walk
    indicators = prepare(extract_features(load_dataset(path))[0], default_experiment_config()).indicators
    counts = rule_counts(apply_rules(indicators, DEFAULT_RULES))
    with browser_page(1200, 1000) as page:
        errors = _open(page, f"{url}/clusters?ds={path}&instant=1")
        line = page.locator("p.ruleline")
        assert line.inner_text() == (f"voice_present fires when vocal_presence > 0.00 and shifts the audio weight by "
                                     f"-0.10 · fired on {counts['voice_present']} of 400 tracks.")
        page.locator('select[data-role="rule"]').select_option("percussive")
        assert f"fired on {counts['percussive']} of 400 tracks" in line.inner_text()
        assert "Its shift is 0, so moving this threshold changes no weight" in line.inner_text()
        page.locator('select[data-role="rule"]').select_option("poor_audio")
        threshold = page.locator('input[data-role="threshold"]')
        threshold.focus()
        for _ in range(40):  # 0.39 -> 0.79: the count follows the step
            page.keyboard.press("ArrowRight")
        moved = rule_counts(apply_rules(indicators, DEFAULT_RULES.replace_rule("poor_audio", threshold=0.79)))
        assert line.inner_text().startswith("poor_audio fires when audio_quality < 0.79")
        assert f"fired on {moved['poor_audio']} of 400 tracks." in line.inner_text()
        assert moved["poor_audio"] != counts["poor_audio"]
        assert not errors, errors


def _choose_then_reload(page, address: str, role: str, value: str, query: str) -> list:
    """Open ``address``, choose ``value`` in the panel's ``role`` list, wait for ``query`` in the address, reload;
    asserts the list still shows ``value``. Returns the page errors seen."""
    errors = _open(page, address)
    page.locator(f'select[data-role="{role}"]').select_option(value)
    page.wait_for_function(f"() => location.search.includes('{query}')", timeout=30_000)
    _wait_idle(page)
    page.reload(wait_until="domcontentloaded")
    page.wait_for_function(f"() => ({DRAWN})() > 0", timeout=60_000)
    assert page.locator(f'select[data-role="{role}"]').input_value() == value
    return errors


def test_the_panels_colour_is_kept_by_the_link_and_a_reload(walk):
    """Colour by genre in the panel: the address says so (``color=genre``) and a reload still colours by genre
    (the choice stayed in the browser and was lost)."""
    url, path = walk
    with browser_page(1200, 1000) as page:
        errors = _choose_then_reload(page, f"{url}/clusters?ds={path}&instant=1", "colour", "genre", "color=genre")
        assert page.locator('[data-role="legend"]').inner_text().startswith("genre")
        assert not errors, errors


def test_a_change_that_rounds_to_nothing_reads_0_000(walk):
    """The row "change since the last step" at 3 decimals: a change under 0.0005 reads 0.000, not -0.000 or +0.000
    (base weight steps down from 0.55 on this set move the silhouette by less than that)."""
    url, path = walk
    with browser_page(1200, 1000) as page:
        errors = _open(page, f"{url}/clusters?ds={path}&instant=1")
        base, seen = page.locator('input[data-role="base"]'), []
        for _ in range(6):
            drawn = page.evaluate(DRAWN)
            base.focus()
            page.keyboard.press("ArrowLeft")
            page.wait_for_function(f"(d) => ({DRAWN})() > d", arg=drawn, timeout=10_000)
            seen += page.locator("table.live tbody tr.delta td").all_inner_texts()[1:]
        assert "0.000" in seen
        assert not {"-0.000", "+0.000"} & set(seen), seen
        assert not errors, errors


def test_turning_the_instant_map_off_keeps_the_rules(walk):
    """Instant map on, then off: the page's own sliders ("Move a rule here") come back with the rules as they
    are. They came back at their minimum (base weight 0, the threshold at the slider's low end): Streamlit had
    dropped their state while the panel was shown, and the switch reruns only the page's fragment."""
    url, path = walk
    with browser_page(1200, 1400) as page:
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{url}/clusters?ds={path}&proj=pca&t.voice_present=0.2", wait_until="domcontentloaded")
        page.get_by_text("Move a rule here").wait_for(timeout=120_000)  # the page's sliders are drawn (folded)
        _wait_idle(page)
        for _ in range(2):  # on, off; on, off
            page.get_by_text("Instant map (computed in your browser)").click()
            page.wait_for_function(f"() => ({DRAWN})() > 0", timeout=60_000)
            _wait_idle(page)
            assert page.locator('[data-role="bvalue"]').inner_text() == "0.55"
            assert page.locator('[data-role="tvalue"]').inner_text() == "0.20"
            page.get_by_text("Instant map (computed in your browser)").click()
            page.get_by_text("Move a rule here").wait_for(timeout=60_000)
            _wait_idle(page)
            query = page.url.split("?", 1)[1]
            assert "t.voice_present=0.2" in query and "base=" not in query, query
        assert not errors, errors


#: True when a part of an element is cut (text cut off by an ellipsis: wider content than box).
CUT = "(b) => [b, ...b.querySelectorAll('*')].some((e) => e.scrollWidth > e.clientWidth + 1)"


def test_the_pin_bar_and_re_seed_read_whole_in_an_800_px_window(walk):
    """The row above the map wraps in a narrow window: at 800 px (sidebar open) its buttons read "P...",
    "U..." and "Re-s..." in their columns."""
    url, path = walk
    with browser_page(800, 1200) as page:
        errors = _open(page, f"{url}/clusters?ds={path}&instant=1&pin=1&A.base=0.5")
        for name in ("Pin as A", "Unpin A", "Re-seed clustering"):
            button = page.get_by_role("button", name=name)
            assert button.is_visible() and not button.evaluate(CUT), name
        assert page.get_by_role("link", name="Compare A and B").is_visible()
        assert not errors, errors


def test_the_headline_numbers_read_whole_in_an_800_px_window(walk):
    """The headline numbers of the Rules page ("Decided by hard rules: 69 of 400"), the Compare page and the Track
    inspector ("Decided by: soft rules") wrap in a narrow window: in columns at 800 px they read "Mean audi..."
    over "6...", "Decide..." over "so..."."""
    url, path = walk
    with browser_page(800, 1200) as page:
        for where in ("rules", "compare", "inspector"):
            page.goto(f"{url}/{where}?ds={path}&pin=1&A.base=0.5", wait_until="domcontentloaded")
            _wait_idle(page)
            page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stMetric\"]').length >= 4",
                                   timeout=60_000)
            metrics = page.locator('[data-testid="stMetric"]')
            for i in range(metrics.count()):
                assert not metrics.nth(i).evaluate(CUT), (where, metrics.nth(i).inner_text())


def test_the_chosen_rule_is_kept_by_the_link_and_a_reload(walk):
    """The rule chosen in the panel's list is in the address (``rule=poor_audio``): a reload or a shared link opens
    on it (it fell back to the first rule, voice_present)."""
    url, path = walk
    with browser_page(1200, 1000) as page:
        errors = _choose_then_reload(page, f"{url}/clusters?ds={path}&instant=1", "rule", "poor_audio",
                                     "rule=poor_audio")
        assert page.locator("p.ruleline").inner_text().startswith("poor_audio fires when audio_quality < 0.39")
        page.goto(f"{url}/clusters?ds={path}&instant=1&rule=no_such_rule", wait_until="domcontentloaded")
        page.wait_for_function(f"() => ({DRAWN})() > 0", timeout=60_000)  # a bad value: the first rule, no error
        assert page.locator('select[data-role="rule"]').input_value() == "voice_present"
        assert not errors, errors


def test_move_a_rule_here_keeps_the_previous_rules_threshold(walk):
    """Server path, instant map off: "Move a rule here", loud to -18 dBFS, then another rule chosen and moved: loud
    stays at -18 (its slider, left out of the fragment's run, lost its state and loud read -20 again)."""
    url, path = walk
    with browser_page(1200, 1400) as page:
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{url}/clusters?ds={path}&proj=pca&rule=loud", wait_until="domcontentloaded")
        page.get_by_text("Move a rule here").wait_for(timeout=120_000)
        _wait_idle(page)
        page.get_by_text("Move a rule here").click()
        box = page.locator('[data-testid="stExpander"]').filter(has_text="Move a rule here")
        box.get_by_role("slider").first.focus()
        for _ in range(4):  # 0.5 dB steps
            page.keyboard.press("ArrowRight")
        page.wait_for_function("() => location.search.includes('t.loud=-18')", timeout=30_000)
        _wait_idle(page)
        box.locator('[data-testid="stSelectbox"]').click()
        page.locator('[role="option"]', has_text="poor_audio").first.click()
        page.wait_for_function("() => location.search.includes('rule=poor_audio')", timeout=30_000)
        _wait_idle(page)
        box.get_by_role("slider").first.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => location.search.includes('t.poor_audio=0.4')", timeout=30_000)
        _wait_idle(page)
        assert "t.loud=-18" in page.url, page.url
        assert not errors, errors
