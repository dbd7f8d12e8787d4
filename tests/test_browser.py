"""End to end in a real headless Chromium: the app served by `streamlit run`, used as a person would:
open every page, move a slider, drag a box and click a point on the map, follow the link to the inspector."""

from __future__ import annotations

import re
import shutil
import time
from urllib.parse import parse_qs, urlparse

import pytest

from core.datasets import load_dataset
from core.experiments import prepare
from core.features.extract import extract_features
from core.rules import DEFAULT_RULES, apply_rules
from tests.browser import browser_page, screenshot, streamlit_server

IDLE = """() => !document.querySelector('[data-testid="stStatusWidget"]')"""
#: The 2-D map (a Vega-Lite chart drawn as SVG at this size) and its points.
MAP = '[data-testid="stVegaLiteChart"]'
SYMBOLS = f'{MAP} path[role="graphics-symbol"]'
#: The audio weights the map's points carry (their accessibility labels), summed.
MAP_WEIGHTS = f"""() => {{ let s = 0, n = 0;
    for (const p of document.querySelectorAll('{SYMBOLS}')) {{
        const m = /audio weight: ([-0-9.]+)/.exec(p.getAttribute('aria-label') || '');
        if (m) {{ s += Number(m[1]); n++; }} }}
    return n ? s.toFixed(3) : null; }}"""
#: The centre of a point that is on top where it is drawn and not the selected track: {x, y, id}.
TOPMOST_POINT = f"""(selected) => {{
    const pts = [...document.querySelectorAll('{SYMBOLS}')].reverse();
    for (const p of pts) {{
        const m = /track: ([^;]+);/.exec(p.getAttribute('aria-label') || '');
        if (!m || m[1] === selected) continue;
        const r = p.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
        if (document.elementFromPoint(x, y) === p) return {{x, y, id: m[1]}};
    }}
    return null; }}"""
#: The note over the PCA map drawn while UMAP compiles after a server start.
COMPILING = "UMAP is compiling (once per server start); showing PCA until it is ready."
PAGES = ["Rules and weights", "Clusters and map", "Weights per cluster", "Ablation", "Track inspector",
         "Sensitivity", "Export"]


@pytest.fixture
def served_builtin(tiny_synth_dir, copy_tiny_cache, _isolated_data_dirs):
    """The tiny synthetic set installed as the built-in set, features extracted, app running. The features come
    from a copy of the session's extraction, so each test starts its own server on its own data folder without
    extracting again."""
    target = _isolated_data_dirs / "synthetic"
    shutil.copytree(tiny_synth_dir, target)
    copy_tiny_cache(_isolated_data_dirs / "cache")
    fs, _ = extract_features(load_dataset(target), n_jobs=1)
    env = {"WORKBENCH_DATA_DIR": str(_isolated_data_dirs), "WORKBENCH_CACHE_DIR": str(_isolated_data_dirs / "cache"),
           "HF_HUB_OFFLINE": "1"}
    with streamlit_server(env) as url:
        yield url, load_dataset(target), fs


def _no_error(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Traceback").count() == 0


def _query(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def _metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_home_page_shows_the_builtin_dataset(served_builtin):
    url, ds, fs = served_builtin
    with browser_page() as page:
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_text("Features ready for").wait_for(timeout=90_000)
        assert _metric(page, "Tracks") == str(ds.n_tracks)
        page.wait_for_url(re.compile(r"[?&]ds=builtin"), timeout=30_000)   # the address names the dataset
        _no_error(page)
        assert screenshot(page, "dataset.png").stat().st_size > 10_000
        _deep_links(page, url, fs)


def _deep_links(page, url: str, fs) -> None:
    """The first page from its own address (/dataset), then an A/B link that reproduces both rule sets
    (checked here rather than in a test of its own: each served set costs an extraction and a server)."""
    page.goto(f"{url}/dataset", wait_until="domcontentloaded")
    page.get_by_text("Features ready for").wait_for(timeout=90_000)
    assert page.get_by_text("Page not found").count() == 0 and urlparse(page.url).path == "/dataset"
    _no_error(page)
    indicators = prepare(fs).indicators
    # the defaults have 'no voice' off, so A switches it on; the URL holds only what differs from them
    assert not DEFAULT_RULES.no_voice_rule
    a, b = DEFAULT_RULES.with_changes(no_voice_rule=True), DEFAULT_RULES.with_changes(base_weight=0.4)
    page.goto(f"{url}/compare?ds=builtin&pin=1&A.hard_novoice=1&base=0.4", wait_until="domcontentloaded")
    page.get_by_text("Tracks that changed cluster").first.wait_for(timeout=120_000)
    page.wait_for_function(IDLE, timeout=120_000)
    _no_error(page)
    q = _query(page)
    assert q["pin"] == "1" and q["A.hard_novoice"] == "1" and q["base"] == "0.4"
    assert _metric(page, "Mean audio weight A") == f"{apply_rules(indicators, a).weights.mean():.3f}"
    assert _metric(page, "Mean audio weight B") == f"{apply_rules(indicators, b).weights.mean():.3f}"
    assert page.get_by_text(re.compile("B differs in 2 setting")).count() == 1
    screenshot(page, "compare.png")


def test_every_page_a_slider_and_the_map(served_builtin):
    url, ds, fs = served_builtin
    indicators = prepare(fs).indicators
    with browser_page() as page:
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_text("Features ready for").wait_for(timeout=90_000)
        for title in PAGES:                                    # every page opens without an error
            page.get_by_role("link", name=title).first.click()
            page.get_by_role("heading", name=title).first.wait_for(timeout=120_000)
            page.wait_for_timeout(1500)
            _no_error(page)
            screenshot(page, re.sub(r"\W+", "-", title.lower()) + ".png")

        # Dataset: drop the "low" audio level; the choice must outlive a Rules slider move (a fragment run,
        # which drops the state of widgets on other pages; AppTest does not run fragments this way)
        page.get_by_role("link", name="Dataset", exact=True).first.click()
        page.get_by_text("Features ready for").wait_for(timeout=60_000)
        page.get_by_text("Audio levels").first.wait_for(timeout=60_000)
        assert page.get_by_text("No audio level chosen").count() == 0  # kept while the other pages were opened
        page.locator('[aria-label="Remove low"]').first.click()
        page.wait_for_url(re.compile(r"[?&]levels=mid(%2C|,)high(&|$)"), timeout=60_000)
        page.wait_for_function(IDLE, timeout=60_000)

        # Rules: move the base-weight slider with the keyboard; the mean weight shown follows core
        page.get_by_role("link", name="Rules and weights").first.click()
        page.get_by_role("heading", name="Rules and weights").first.wait_for(timeout=60_000)
        before = _metric(page, "Mean audio weight")
        thumb = page.get_by_role("slider").first
        thumb.focus()
        for _ in range(10):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(f"() => !document.body.innerText.includes('Mean audio weight\\n{before}')",
                               timeout=30_000)
        page.wait_for_url(re.compile(r"[?&]base="), timeout=30_000)  # the address follows the slider
        # key presses queue several reruns: wait until the page has caught up with the slider's own final value
        # (its thumb), then shown == core(base in URL); an earlier consistent state is only an intermediate one
        final = float(thumb.input_value())  # the range input's own value after the key presses
        deadline, shown, expected, base = time.time() + 60, None, None, None
        while time.time() < deadline:
            page.wait_for_function(IDLE, timeout=60_000)
            base = float(_query(page)["base"])
            expected = f"{apply_rules(indicators, DEFAULT_RULES.with_changes(base_weight=base)).weights.mean():.3f}"
            shown = _metric(page, "Mean audio weight")
            if base == final and shown == expected:
                break
            page.wait_for_timeout(500)
        assert base == final > DEFAULT_RULES.base_weight
        assert shown == expected
        _no_error(page)
        page.get_by_role("link", name="Dataset", exact=True).first.click()   # the level choice is still there
        page.get_by_text("Features ready for").wait_for(timeout=60_000)
        page.wait_for_function(IDLE, timeout=60_000)
        levels = page.get_by_role("group", name="Selected values").first
        assert [t.get_attribute("aria-label") for t in levels.locator("[data-tag]").all()] == ["mid", "high"]
        assert page.get_by_text("No audio level chosen").count() == 0
        assert re.search(r"[?&]levels=mid(%2C|,)high(&|$)", page.url)
        _no_error(page)
        page.get_by_role("link", name="Rules and weights").first.click()     # and so is the slider's move
        page.get_by_role("heading", name="Rules and weights").first.wait_for(timeout=60_000)
        page.wait_for_function(IDLE, timeout=60_000)
        assert _metric(page, "Mean audio weight") == shown
        assert float(_query(page)["base"]) == base
        page.get_by_role("link", name="Ablation").first.click()      # a page that stops early keeps the address
        page.get_by_role("heading", name="Ablation").first.wait_for(timeout=60_000)
        page.wait_for_function(IDLE, timeout=60_000)
        assert float(_query(page)["base"]) == base and _query(page).get("ds") == "builtin"

        # Clusters: the 2-D map follows a slider without being re-created (the chart is updated in place)
        page.get_by_role("link", name="Clusters and map").first.click()
        page.wait_for_selector(SYMBOLS, timeout=180_000)
        page.get_by_text(COMPILING).wait_for(state="detached", timeout=180_000)  # the UMAP map, not its PCA stand-in
        page.wait_for_function(IDLE, timeout=60_000)
        page.get_by_text("Move a rule here").first.click()
        page.wait_for_function(IDLE, timeout=60_000)
        page.evaluate(f"() => {{ document.querySelector('{MAP}').dataset.probe = 'first'; }}")
        before = page.evaluate(MAP_WEIGHTS)
        base_slider = page.get_by_role("slider").last                 # "Base audio weight (0-1)"
        base_slider.focus()
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(f"(b) => {{ const v = ({MAP_WEIGHTS})(); return v !== null && v !== b; }}",
                               arg=before, timeout=60_000)
        page.wait_for_function(IDLE, timeout=60_000)
        assert page.evaluate(f"() => document.querySelector('{MAP}').dataset.probe") == "first"
        _no_error(page)

        # the pin bar sits outside the slider's fragment and its "B differs" note inside: pinned, a slider
        # move (a fragment rerun, which AppTest does not do) must still update the note
        page.get_by_role("button", name="Pin as A").click()
        page.get_by_text("A is pinned; B (the sliders) is the same as A.").wait_for(timeout=60_000)
        page.wait_for_function(IDLE, timeout=60_000)
        page.get_by_role("slider").last.focus()
        page.keyboard.press("ArrowRight")
        moved = re.compile(r"A is pinned; B differs in 1 setting\(s\): base audio weight 0\.\d+ → 0\.\d+")
        page.get_by_text(moved).wait_for(timeout=60_000)
        page.get_by_role("button", name="Unpin A").click()
        page.get_by_text("Nothing pinned").first.wait_for(timeout=60_000)
        page.wait_for_function(IDLE, timeout=60_000)
        _no_error(page)

        # drag a box over the map -> the tracks inside are listed
        page.wait_for_timeout(1000)
        area = page.locator(f"{MAP} svg").first.bounding_box()
        page.mouse.move(area["x"] + 4, area["y"] + 4)
        page.mouse.down()
        page.mouse.move(area["x"] + area["width"] * 0.3, area["y"] + area["height"] * 0.6, steps=8)
        # the left 60 % only: the box's brush stays drawn over the points it covers, and the click
        # below needs points outside it (a box over the whole map left none to click once the page grew)
        page.mouse.move(area["x"] + area["width"] * 0.6, area["y"] + area["height"] - 4, steps=8)
        page.mouse.up()
        page.get_by_text(re.compile(r"\d+ tracks in the last box selection")).wait_for(timeout=60_000)
        n_box = int(re.search(r"(\d+) tracks in the last box selection", page.inner_text("body")).group(1))
        assert 2 <= n_box <= ds.n_tracks
        page.wait_for_function(IDLE, timeout=60_000)

        # click a point of the map -> that track is selected and the inspector opens on it
        link = None
        for attempt in range(5):  # the map may be redrawn (new weights, UMAP refresh) while we aim
            page.wait_for_function(IDLE, timeout=60_000)
            page.wait_for_timeout(1500)
            page.locator(f"{MAP} svg").first.scroll_into_view_if_needed()
            pos = page.evaluate(TOPMOST_POINT, _query(page).get("track", ""))
            if pos is None:
                continue
            page.mouse.click(pos["x"], pos["y"])
            candidate = page.get_by_role("link", name=f"Open {pos['id']} in the Track inspector")
            try:
                candidate.wait_for(timeout=30_000)
            except Exception:
                continue
            link = candidate
            break
        assert link is not None, "clicking a map point never selected its track"
        page.wait_for_url(re.compile(rf"[?&]track={re.escape(pos['id'])}(&|$)"), timeout=30_000)
        screenshot(page, "clusters-clicked.png")
        link.click()
        page.get_by_role("heading", name="Track inspector").first.wait_for(timeout=60_000)
        page.get_by_text("Why this weight").first.wait_for(timeout=60_000)
        assert pos["id"] in page.inner_text("body")
        _no_error(page)


def test_a_link_to_the_map_on_a_fresh_server_draws_pca_at_once_then_umap(tiny_synth_dir, copy_tiny_cache,
                                                                           _isolated_data_dirs):
    """/clusters opened first on a just-started server, numba's on-disk cache empty (the first start after an
    install: UMAP compiles for ~15 s): the map is drawn while the note says UMAP is compiling; later the
    note goes and the map is UMAP, by itself, with "UMAP" still the choice in the address."""
    target = _isolated_data_dirs / "synthetic"
    shutil.copytree(tiny_synth_dir, target)
    copy_tiny_cache(_isolated_data_dirs / "cache")  # the server's numba cache below is the cold one
    extract_features(load_dataset(target), n_jobs=1)
    env = {"WORKBENCH_DATA_DIR": str(_isolated_data_dirs), "WORKBENCH_CACHE_DIR": str(_isolated_data_dirs / "cache"),
           "HF_HUB_OFFLINE": "1", "NUMBA_CACHE_DIR": str(_isolated_data_dirs / "numba-cache")}
    with streamlit_server(env) as url, browser_page() as page:
        page.goto(url + "/clusters", wait_until="domcontentloaded")
        page.wait_for_selector(SYMBOLS, timeout=120_000)
        assert page.get_by_text(COMPILING).count() == 1, "the first map was not drawn while UMAP compiled"
        assert page.get_by_text("PCA of the scaled concatenation").count() == 1
        page.locator('[data-testid="stTable"]').first.wait_for(timeout=60_000)  # the metric table (after the map)
        assert page.get_by_text(COMPILING).count() == 1, "the metric table waited for the compile"
        page.get_by_text(COMPILING).wait_for(state="detached", timeout=240_000)  # no reload, no click
        page.get_by_text("UMAP of the scaled concatenation").wait_for(timeout=60_000)
        page.wait_for_selector(SYMBOLS, timeout=60_000)
        assert _query(page).get("proj", "umap") == "umap"
        _no_error(page)
        screenshot(page, "clusters-first-map-umap.png")


def _zip_input(page):
    """The zip uploader's file input (the Dataset page also has one for features files)."""
    return page.locator('[data-testid="stExpander"]').filter(has_text="Upload your own music") \
        .locator('input[type="file"]')


def _visit_every_page(page) -> None:
    for title in PAGES:
        page.get_by_role("link", name=title).first.click()
        page.get_by_role("heading", name=title).first.wait_for(timeout=120_000)
        page.wait_for_timeout(1000)
        _no_error(page)


def test_gtzan_folder_in_the_browser_says_fusion_is_off_on_every_page(tmp_path, server):
    from tests.audio_fixtures import make_gtzan
    root = make_gtzan(tmp_path / "gtzan")
    extract_features(load_dataset(root), n_jobs=1)
    with browser_page() as page:
        page.goto(f"{server}/?ds={root}", wait_until="domcontentloaded")
        page.get_by_text("Features ready for").wait_for(timeout=90_000)
        assert page.get_by_text("fusion is off").count() >= 1
        assert _metric(page, "Problems") == "1"          # jazz.00054.wav (the table is canvas-drawn: AppTest reads it)
        _visit_every_page(page)
        page.get_by_role("link", name="Rules and weights").first.click()
        page.get_by_role("heading", name="Rules and weights").first.wait_for(timeout=60_000)
        page.get_by_text("fusion is off").first.wait_for(timeout=60_000)
        assert _metric(page, "Mean audio weight") == "1.000"
        screenshot(page, "gtzan-rules.png")


def test_uploaded_zip_in_the_browser_becomes_the_dataset(tmp_path, server):
    import io
    import zipfile
    from tests.audio_fixtures import song_like, write_clip
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for genre, seeds in (("rock", (1, 2, 3)), ("folk", (4, 5, 6))):
            for s in seeds:
                clip = write_clip(tmp_path / f"{genre}{s}.wav", song_like(s, tempo=90 + 20 * s))
                z.write(clip, f"mine/{genre}/{genre}{s}.wav")
                z.writestr(f"mine/{genre}/{genre}{s}.txt", f"{genre} song number {s}\nla la {genre}\n")
        z.writestr("../escape.txt", "nope")
    archive = tmp_path / "mine.zip"
    archive.write_bytes(buf.getvalue())
    with browser_page() as page:
        page.goto(server, wait_until="domcontentloaded")
        page.get_by_text("Upload your own music").first.wait_for(timeout=90_000)
        page.get_by_text("Upload your own music").first.click()
        _zip_input(page).set_input_files(str(archive))
        page.get_by_role("button", name="Extract features").wait_for(timeout=90_000)
        assert _metric(page, "Tracks") == "6"
        assert int(_metric(page, "Problems")) >= 1
        assert page.get_by_text("path escapes the upload folder").count() >= 1     # the ../ member, named
        page.get_by_role("button", name="Extract features").click()
        try:
            page.get_by_text("Features ready for 6 tracks").wait_for(timeout=180_000)
        except Exception:
            screenshot(page, "upload-extract-failed.png")
            raise
        _visit_every_page(page)
        screenshot(page, "upload-export.png")


def test_bad_zip_in_the_browser_gives_a_message_not_a_traceback(tmp_path, server):
    """One of the fuzzers' bad uploads in a real browser: a zip holding nothing but broken audio."""
    from tests.test_fuzz import PAGE_CASES
    data, expected = PAGE_CASES["only broken audio"]
    archive = tmp_path / "broken.zip"
    archive.write_bytes(data)
    with browser_page() as page:
        page.goto(server, wait_until="domcontentloaded")
        page.get_by_text("Upload your own music").first.wait_for(timeout=90_000)
        page.get_by_text("Upload your own music").first.click()
        _zip_input(page).set_input_files(str(archive))
        try:
            page.get_by_text(expected[0]).first.wait_for(timeout=90_000)
        except Exception:
            screenshot(page, "upload-broken-failed.png")
            raise
        _no_error(page)
        screenshot(page, "upload-broken.png")


def test_the_lesson_runs_start_to_end(served_builtin):
    """Issue 14, done when: the lesson runs start to end in the browser. Each step as a learner takes it:
    set it up, read what to look at, predict, reveal (the answer and the claim checked on this dataset),
    follow on to the next step; no exception anywhere, and the sliders end at the last step's rules."""
    from core.lesson import STEPS
    url, ds, fs = served_builtin
    with browser_page() as page:
        page.goto(f"{url}/lesson", wait_until="domcontentloaded")
        page.get_by_role("heading", name="Lesson: what a rule does").first.wait_for(timeout=120_000)
        for i, step in enumerate(STEPS):
            page.get_by_text(f"Step {i + 1} of {len(STEPS)}: {step.title}").wait_for(timeout=60_000)
            page.get_by_role("button", name="Set up this step").click()
            page.get_by_text(f"Look at: {step.look_at}").wait_for(timeout=60_000)
            page.get_by_text(step.question).wait_for(timeout=30_000)
            reveal = page.get_by_role("button", name="Reveal")
            assert reveal.is_disabled()                               # predict first
            guess = (step.answer + 1) % len(step.choices) if i % 2 else step.answer   # right and wrong guesses
            page.locator('[data-testid="stRadio"] label').filter(has_text=step.choices[guess]).first.click()
            page.wait_for_function("() => { const b = [...document.querySelectorAll('button')].find("
                                   "e => e.innerText.includes('Reveal')); return b && !b.disabled; }", timeout=30_000)
            reveal.click()
            page.get_by_text("Checked on this dataset:").first.wait_for(timeout=60_000)
            page.wait_for_function(IDLE, timeout=60_000)  # the run has finished streaming the step
            body = page.inner_text("body")
            assert step.explanation[:60] in body
            assert ("Right: " in body) == (guess == step.answer)
            assert step.claim[:50] in body and ("Holds" in body or "Does NOT hold here" in body)
            link = page.get_by_role("link", name="See it for yourself")
            link.first.wait_for(timeout=30_000)  # the page streams its elements: the link can follow the claim
            assert link.count() == 1
            page.wait_for_function(IDLE, timeout=60_000)
            _no_error(page)
            nxt = page.get_by_role("button", name="Next step")
            if i < len(STEPS) - 1:
                nxt.click()
            else:
                assert nxt.is_disabled()                              # the end of the lesson
        screenshot(page, "lesson-end.png")
        assert _query(page).get("pin") == "1"                         # the last step's rules are pinned as A
        page.get_by_role("link", name="See it for yourself").click()
        page.wait_for_function(IDLE, timeout=120_000)
        _no_error(page)


def test_uploaded_features_file_in_the_browser_becomes_the_dataset(tmp_path, server):
    """A Parquet features file uploaded on the Dataset page: stored, opened, every page works, and the
    inspector says why a track has no play button."""
    from bench.feature_file import write_feature_file
    path = write_feature_file(tmp_path / "my catalogue.parquet", 60, n_genres=3, d_audio=8, d_lyrics=8)
    with browser_page() as page:
        page.goto(server, wait_until="domcontentloaded")
        page.get_by_text("Upload your own features").first.wait_for(timeout=90_000)
        page.get_by_text("Upload your own features").first.click()
        page.locator('[data-testid="stExpander"]').filter(has_text="Upload your own features") \
            .locator('input[type="file"]').set_input_files(str(path))
        page.get_by_text("Features ready for 60 tracks").wait_for(timeout=120_000)
        assert page.get_by_text("A features file").count() >= 1 and _metric(page, "Tracks") == "60"
        _no_error(page)
        _visit_every_page(page)
        page.get_by_role("link", name="Track inspector").first.click()
        page.get_by_text("This track has no audio file").first.wait_for(timeout=60_000)
        assert page.get_by_text("give it an `audio_path` column").count() + \
            page.get_by_text("give it an audio_path column").count() >= 1
        _no_error(page)


#: Every element of each headline metric whose text is wider than its box (cut with an ellipsis): none
#: should be; with the label and value of each metric.
CUT_METRICS = """() => [...document.querySelectorAll('[data-testid="stMetric"]')].map(m => ({
    label: m.querySelector('[data-testid="stMetricLabel"]').innerText.trim(),
    value: m.querySelector('[data-testid="stMetricValue"]').innerText.trim(),
    cut: [...m.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 1).length}))"""


def test_rules_headline_reads_whole_at_800_px(served_builtin):
    """At 800 px with the sidebar open, five equal columns gave each metric 81 px: "Decided by hard rules"
    read "4 o…" and its label "Decided by…". The metrics now wrap to a second line instead."""
    url, ds, fs = served_builtin
    rr = apply_rules(prepare(fs).indicators, DEFAULT_RULES)
    with browser_page(width=800) as page:
        page.goto(f"{url}/rules", wait_until="domcontentloaded")
        page.get_by_text("Mean audio weight").first.wait_for(timeout=120_000)
        page.wait_for_function(IDLE, timeout=120_000)
        page.wait_for_function("""() => document.querySelectorAll('[data-testid="stMetric"]').length >= 5""",
                               timeout=60_000)
        page.wait_for_timeout(500)
        _no_error(page)
        shown = {m["label"]: m for m in page.evaluate(CUT_METRICS)}
        screenshot(page, "rules-800px.png")
    assert set(shown) == {"Mean audio weight", "Decided by hard rules", "Clipped", "NMI", "Silhouette"}, shown
    assert not [m for m in shown.values() if m["cut"]], shown
    assert shown["Mean audio weight"]["value"] == f"{rr.weights.mean():.3f}"
    assert shown["Decided by hard rules"]["value"] == f"{int((rr.decided_by != '').sum())} of {rr.n_tracks}"


#: Buttons (and page links) whose text is cut: [label, cut elements].
CUT_BUTTONS = """(names) => [...document.querySelectorAll('button, a')].filter(b => names.includes(b.innerText.trim()
    .replace(/^[a-z_]+\\n+/, ''))).map(b => [b.innerText.trim(),
    [...b.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 1).length])"""


def test_pin_bar_and_reseed_read_whole_at_800_px(tmp_path, server):
    """At 800 px the Clusters page's fixed columns cut "Pin as A" to "Pin…" and "Re-seed clustering" to "Re-s…";
    the bar is now one row that wraps."""
    from bench.feature_file import write_feature_file
    path = write_feature_file(tmp_path / "f.parquet", 60, n_genres=3, d_audio=8, d_lyrics=8)
    names = ["Pin as A", "Re-seed clustering", "Unpin A", "Compare A and B"]
    with browser_page(width=800) as page:
        page.goto(f"{server}/clusters?ds={path}&proj=pca", wait_until="domcontentloaded")
        page.get_by_role("button", name="Re-seed clustering").wait_for(timeout=120_000)
        page.get_by_role("button", name="Pin as A").wait_for(timeout=60_000)  # may be drawn after Re-seed
        page.wait_for_function(IDLE, timeout=120_000)
        before = page.evaluate(CUT_BUTTONS, names)
        page.get_by_role("button", name="Pin as A").click()
        page.get_by_role("button", name="Unpin A").wait_for(timeout=60_000)
        page.get_by_role("link", name="Compare A and B").wait_for(timeout=60_000)  # drawn after the buttons
        page.wait_for_function(IDLE, timeout=60_000)
        page.wait_for_timeout(300)
        after = page.evaluate(CUT_BUTTONS, names)
        screenshot(page, "clusters-800px.png")
        _no_error(page)
    def by_label(found):  # "push_pin\n\nPin as A" (the icon's ligature first) -> "Pin as A": most cut elements
        out = {}
        for text, cut in found:
            label = text.split("\n")[-1].strip()
            out[label] = max(out.get(label, 0), cut)
        return out
    before, after = by_label(before), by_label(after)
    assert set(before) == {"Pin as A", "Re-seed clustering"} and set(after) == set(names), (before, after)
    assert not any(before.values()) and not any(after.values()), (before, after)
