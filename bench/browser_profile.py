"""Where a Clusters-page slider move spends its time, server and browser, at 1,000 tracks.

Runs the app under ``bench/traced_server.py`` (a log of every message the server sends, with its
element type and time) and drives the page in headless Chromium with a Chrome trace recorded
(main-thread tasks, layout, paint, and V8's sampling profiler). Moves the "Move a rule here"
base-weight slider like ``bench/browser.py`` (right and left in turn) and prints, per move, medians of:

* the server: when the rerun request arrived, when each element's delta was enqueued (in order),
  and when the run finished; the gap before an element is the Python work that made it;
* the browser: when each message was handled by the page, the main thread's busy time between the
  key press and the map shown, split into JavaScript by script file, style/layout, paint and GC.

Lines ``{"t": time.time(), "kind": "mark", "el": NAME, "cpu": time.thread_time()}`` appended to
``TRACE_LOG`` by temporary instrumentation in a page are listed too, with the script thread's CPU time
since the previous mark (wall time far above CPU time: the script waited for a core or the GIL).
``TRACE_PROFILE=/tmp/x.pstats`` adds a cProfile of the script runs during the moves.

All times are ms after the key press, on the wall clock (server ``time.time()``, page
``performance.timeOrigin + performance.now()``). Asserts nothing; measuring aid only.

    .venv/bin/python bench/browser_profile.py --features 1000 --moves 12
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from bench.browser import IDLE, MAP_DRAWN, MAP_READY, WATCH, settle  # noqa: E402

#: Every websocket message's arrival (page clock) and size, beside WATCH's list.
WS_LOG = """
(() => { window.__ws = []; const WS = window.WebSocket;
  window.WebSocket = function (...a) { const ws = new WS(...a);
    ws.addEventListener('message', (e) => { window.__ws.push([performance.timeOrigin + performance.now(),
      e.data.byteLength || e.data.size || 0]); }); return ws; };
  window.WebSocket.prototype = WS.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3}); })();
"""

CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute", "blink.user_timing",
              "toplevel", "disabled-by-default-v8.cpu_profiler", "v8"]


def start_server(log: Path):
    from tests.browser import ARTIFACTS, free_port
    port = free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = open(ARTIFACTS / "traced-server.log", "wb")
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "traced_server.py"), str(ROOT / "app.py"),
                             "--server.port", str(port), "--server.headless", "true", "--server.address",
                             "127.0.0.1", "--browser.gatherUsageStats", "false"],
                            cwd=ROOT, env={**os.environ, "TRACE_LOG": str(log)}, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("server did not start")


def main_thread_summary(trace: dict, windows: list, by_function: bool = False) -> dict:
    """Busy time per kind on the renderer's main thread inside ``windows`` (trace-clock us pairs)."""
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
    main = [k for k, v in names.items() if v == "CrRendererMain"]
    out = collections.Counter()
    kinds = {"RunTask": "busy (tasks)", "UpdateLayoutTree": "style", "Layout": "layout", "Paint": "paint",
             "MinorGC": "gc", "MajorGC": "gc", "V8.GC_SCAVENGER": "gc", "PrePaint": "paint", "Commit": "paint",
             "FunctionCall": "js (function calls)", "EventDispatch": "events", "TimerFire": "timers",
             "FireAnimationFrame": "rAF"}
    for e in events:
        if (e.get("pid"), e.get("tid")) not in main or e.get("ph") != "X" or e["name"] not in kinds:
            continue
        for a, b in windows:
            lo, hi = max(a, e["ts"]), min(b, e["ts"] + e.get("dur", 0))
            if hi > lo:
                out[kinds[e["name"]]] += (hi - lo) / 1000
    # V8 samples: self time by script file
    nodes, samples = {}, []
    t = None
    for e in events:
        if e.get("name") == "Profile" and (e.get("pid"), e.get("tid")) in main:
            t = e["args"]["data"]["startTime"]
        if e.get("name") != "ProfileChunk":
            continue
        data = e["args"]["data"]
        prof = data.get("cpuProfile", {})
        for n in prof.get("nodes", []):
            nodes[n["id"]] = n
        for sid, dt in zip(prof.get("samples", []), data.get("timeDeltas", [])):
            t = (t or 0) + dt
            samples.append((t, sid))
    by_file = collections.Counter()
    if samples:
        gaps = [b[0] - a[0] for a, b in zip(samples, samples[1:]) if 0 < b[0] - a[0] < 5000]
        step = statistics.median(gaps) / 1000 if gaps else 0.1
        for ts, sid in samples:
            if any(a <= ts <= b for a, b in windows):
                cf = nodes.get(sid, {}).get("callFrame", {})
                url = cf.get("url", "").rsplit("/", 1)[-1].split(".")[0] or cf.get("functionName", "?")
                if by_function:
                    url += ":" + (cf.get("functionName") or "?") + f"@{cf.get('lineNumber', '')}"
                by_file["js " + url] += step
    return {"tasks": out, "js": by_file}


def run(n: int, moves: int) -> None:
    from playwright.sync_api import sync_playwright

    from bench.features_scale import features_file
    from tests.browser import CHROMIUM, CHROMIUM_ARGS
    path = features_file(n, ROOT / "data" / "bench")
    log = Path(tempfile.mkdtemp()) / "trace.jsonl"
    proc, url = start_server(log)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.add_init_script(WATCH)
            page.add_init_script(WS_LOG)
            page.goto(f"{url}/clusters?ds={path}&proj=pca", wait_until="domcontentloaded")
            page.wait_for_selector(MAP_READY, timeout=900_000)
            settle(page)
            page.get_by_text("Move a rule here").first.click()
            settle(page)
            slider = page.get_by_role("slider").last
            if os.environ.get("TRACE_PROFILE"):  # profile the moves only, not the page's first run
                Path(os.environ["TRACE_PROFILE"] + ".start").write_text("")
            browser.start_tracing(page=page, categories=CATEGORIES)
            rows = []
            for i in range(moves):
                slider.focus()
                before = page.evaluate(MAP_DRAWN)
                page.evaluate("() => { window.__ws = []; performance.mark('move-start'); }")
                t0 = page.evaluate("() => performance.timeOrigin + performance.now()")
                page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
                page.wait_for_function(f"""(b) => {{ const v = ({MAP_DRAWN})(); if (v !== null && v !== b) {{
                    window.__shown = performance.timeOrigin + performance.now(); performance.mark('move-shown');
                    return true; }} return false; }}""", arg=before, timeout=60_000, polling="raf")
                page.wait_for_function(IDLE, timeout=60_000)
                page.wait_for_function("() => performance.now() - Math.max(window.__mut, window.__longEnd) > 300",
                                       timeout=60_000, polling=50)
                shown, ws = page.evaluate("() => [window.__shown, window.__ws]")
                rows.append({"t0": t0, "shown": shown, "ws": ws})
            trace = json.loads(browser.stop_tracing())
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    server = [json.loads(line) for line in log.read_text().splitlines()]
    from tests.browser import ARTIFACTS  # the raw timings, to look at again without a rerun
    (ARTIFACTS / "browser_profile.json").write_text(json.dumps({"rows": rows, "server": server}))
    report(rows, server, trace)


def report(rows: list, server: list, trace: dict) -> None:
    med = statistics.median
    per_move = []
    for r in rows:
        t0, end = r["t0"] / 1000, r["shown"] / 1000 + 0.3
        ev = [e for e in server if t0 - 0.005 <= e["t"] <= end]
        per_move.append(ev)
    print(f"\n{len(rows)} moves; shown p50 {med(r['shown'] - r['t0'] for r in rows):.1f} ms")
    print("\nserver, in order (ms after the key press, median over moves; gap = Python work before it):")
    seqs = [[e for e in ev if e["kind"] in ("delta", "back:rerun_script", "script_finished", "mark", "ref_hash")]
            for ev in per_move]
    length = collections.Counter(len(s) for s in seqs).most_common(1)[0][0]
    same = [s for s in seqs if len(s) == length]
    prev = 0.0
    for j in range(length):
        t = med((s[j]["t"] - rows[seqs.index(s)]["t0"] / 1000) * 1000 for s in same)
        e = same[0][j]
        cpu = ""
        if e["kind"] == "mark":  # the script thread's CPU time since its previous mark
            d = [(s[j]["cpu"] - [x for x in s[:j] if "cpu" in x][-1]["cpu"]) * 1000
                 for s in same if "cpu" in s[j] and any("cpu" in x for x in s[:j])]
            cpu = f"cpu +{med(d):5.1f}" if d else ""
        print(f"  {t:7.1f} (+{t - prev:5.1f})  {e['kind']:<18} {e.get('el', ''):<26} "
              f"{str(e.get('path', '')):<20} {med(s[j].get('bytes', 0) for s in same):6.0f} B {cpu}")
        prev = t
    other = collections.Counter(e["kind"] for ev in per_move for e in ev if e["kind"] not in ("delta",))
    print(f"  ({len(same)} of {len(seqs)} moves had {length} such events; other messages: {dict(other)})")
    print("\nbrowser: websocket messages handled (ms after the key press, median), sizes:")
    counts = collections.Counter(len(r["ws"]) for r in rows).most_common(1)[0][0]
    ok = [r for r in rows if len(r["ws"]) == counts]
    for j in range(counts):
        print(f"  {med(r['ws'][j][0] - r['t0'] for r in ok):7.1f}  {med(r['ws'][j][1] for r in ok):8.0f} B")
    print(f"  shown at {med(r['shown'] - r['t0'] for r in ok):7.1f}")
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    marks = sorted((e["ts"], e["name"]) for e in events if e.get("name") in ("move-start", "move-shown")
                   and e.get("ph") in ("R", "I", "n", "b", "i"))
    windows, start = [], None
    for ts, name in marks:
        if name == "move-start":
            start = ts
        elif start is not None:
            windows.append((start, ts))
            start = None
    if not windows:
        print("(no trace marks found)")
        return
    summary = main_thread_summary(trace, windows)
    k = len(windows)
    # the browser's part alone: from the last message handled before the map was shown to the map shown
    tail = []
    for (a, b), r in zip(windows, rows):
        last = max((m[0] for m in r["ws"] if m[0] <= r["shown"]), default=r["t0"])
        tail.append((a + (last - r["t0"]) * 1000, b))
    after = main_thread_summary(trace, tail, by_function=True)
    print(f"\nbrowser after the map's data arrived: {med((b - a) / 1000 for a, b in tail):.1f} ms (median); "
          "main thread then (mean per move, ms):")
    for name, v in after["tasks"].most_common(5):
        print(f"  {name:<22} {v / k:7.1f}")
    for name, v in after["js"].most_common(12):
        print(f"    {name:<60} {v / k:7.1f}")
    print(f"\nbrowser main thread between key press and map shown (mean per move over {k} moves, ms):")
    for name, v in summary["tasks"].most_common():
        print(f"  {name:<22} {v / k:7.1f}")
    print("  V8 samples by script (self time):")
    for name, v in summary["js"].most_common(12):
        print(f"    {name:<40} {v / k:7.1f}")
    print("  V8 samples by function (self time):")
    for name, v in main_thread_summary(trace, windows, by_function=True)["js"].most_common(25):
        print(f"    {name:<60} {v / k:7.1f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--features", type=int, default=1000)
    ap.add_argument("--moves", type=int, default=12)
    args = ap.parse_args(argv)
    run(args.features, args.moves)
    return 0


if __name__ == "__main__":
    sys.exit(main())
