"""``streamlit run`` with a timestamped log of what the server sends and receives (for bench/browser_profile.py).

Every ForwardMsg the app session enqueues and every BackMsg it handles is written, as one JSON line,
to the file named by ``TRACE_LOG``: wall-clock time (``time.time()``, s), the message kind, and for a
delta its path, its element type and its size in bytes. The browser's clock (``performance.timeOrigin
+ performance.now()``) is the same wall clock, so the two logs line up on one machine.

    TRACE_LOG=/tmp/trace.jsonl .venv/bin/python bench/traced_server.py app.py --server.port 8599

Only a measuring aid: it patches two methods of Streamlit's ``AppSession`` in this process.
"""

from __future__ import annotations

import json
import os
import sys
import time

from streamlit.runtime import app_session

_LOG = open(os.environ.get("TRACE_LOG", "trace.jsonl"), "a", buffering=1)
_enqueue = app_session.AppSession._enqueue_forward_msg
_backmsg = app_session.AppSession.handle_backmsg


def _describe(msg) -> dict:
    kind = msg.WhichOneof("type")
    out = {"t": time.time(), "kind": kind, "bytes": msg.ByteSize()}
    if kind == "delta":
        out["path"] = list(msg.metadata.delta_path)
        dk = msg.delta.WhichOneof("type")
        if dk == "new_element":
            out["el"] = msg.delta.new_element.WhichOneof("type")
        elif dk == "add_block":
            out["el"] = "block:" + str(msg.delta.add_block.WhichOneof("type"))
        else:
            out["el"] = dk
    return out


def _traced_enqueue(self, msg):
    _LOG.write(json.dumps(_describe(msg)) + "\n")
    return _enqueue(self, msg)


def _traced_backmsg(self, msg):
    _LOG.write(json.dumps({"t": time.time(), "kind": "back:" + str(msg.WhichOneof("type"))}) + "\n")
    return _backmsg(self, msg)


app_session.AppSession._enqueue_forward_msg = _traced_enqueue
app_session.AppSession.handle_backmsg = _traced_backmsg

if os.environ.get("TRACE_PROFILE"):  # cProfile of every script run, summed, written after each run
    import cProfile

    from streamlit.runtime.scriptrunner import script_runner

    _PROFILE = cProfile.Profile()
    _exec = script_runner.exec_func_with_error_handling

    def _profiled_exec(func, ctx):
        if not os.path.exists(os.environ["TRACE_PROFILE"] + ".start"):  # moves only, not the first run
            return _exec(func, ctx)
        _PROFILE.enable()
        try:
            return _exec(func, ctx)
        finally:
            _PROFILE.disable()
            _PROFILE.dump_stats(os.environ["TRACE_PROFILE"])

    script_runner.exec_func_with_error_handling = _profiled_exec

if __name__ == "__main__":
    from streamlit.web import cli
    sys.argv = ["streamlit", "run", *sys.argv[1:]]
    sys.exit(cli.main())
