"""The client without a verpo server: argument checks, the trainer-data helpers, the public API's
type hints, and how a batch is cut, spread and retried, against a small stand-in server
(http.server) that records what it receives and misbehaves on cue."""

from __future__ import annotations

import http.server
import inspect
import json
import os
import threading
import time
import typing
import unittest
from typing import Any, Callable, Dict, List, Optional

import verpo_client as vc


class StandIn:
    """A threaded HTTP server that answers POST /score like verpo (NDJSON, one line per group),
    records each request's group ids and the most requests it held at once, and runs `misbehave`
    (given the request's number, from 0) first: it may answer for itself and return True."""

    def __init__(self, delay: float = 0.0, misbehave: Optional[Callable[[int, Any], bool]] = None) -> None:
        self.requests: List[List[Any]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        stand_in = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with stand_in.lock:
                    n = len(stand_in.requests)
                    stand_in.requests.append([p["id"] for p in body["problems"]])
                    stand_in.in_flight += 1
                    stand_in.max_in_flight = max(stand_in.max_in_flight, stand_in.in_flight)
                try:
                    if misbehave is not None and misbehave(n, self):
                        return
                    time.sleep(delay)
                    self.send_response(200)
                    self.send_header("Content-Type", "application/x-ndjson")
                    self.end_headers()
                    for p in body["problems"]:
                        self.wfile.write(json.dumps({"id": p["id"], "rollouts": [], "error": None}).encode() + b"\n")
                finally:
                    with stand_in.lock:
                        stand_in.in_flight -= 1

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def groups(n: int) -> List[Dict[str, Any]]:
    return [{"id": f"g{i}", "passed": [[1, 0]]} for i in range(n)]


class Arguments(unittest.TestCase):
    def test_urls_and_numbers_are_checked(self) -> None:
        bads: List[Any] = [[], ["localhost:8080"], ["ftp://x"], [""], [None]]
        for bad in bads:
            with self.assertRaises(ValueError):
                vc.VerpoClient(bad)
        for kwargs in ({"parallel": 0}, {"chunk_size": 0}, {"max_attempts": 0}, {"workers": 0}, {"parallel": 1.5}, {"parallel": True}):
            with self.assertRaises(ValueError, msg=str(kwargs)):
                vc.VerpoClient("http://127.0.0.1:1", **kwargs)  # type: ignore[arg-type]

    def test_requests_in_flight(self) -> None:
        self.assertEqual(vc.VerpoClient("http://a:1").workers, 2)
        self.assertEqual(vc.VerpoClient(["http://a:1", "http://b:1/"]).workers, 4)
        c = vc.VerpoClient("http://verpo:8080/", parallel=8)
        self.assertEqual((c.workers, c.urls), (8, ["http://verpo:8080"]))
        self.assertEqual(vc.VerpoClient(["http://a:1", "http://b:1"], parallel=3, workers=5).workers, 5)

    def test_adapters_read_parallel_from_kwargs_or_the_environment(self) -> None:
        self.assertEqual(vc._client_from({"url": "http://a:1", "parallel": 6}).workers, 6)
        old = os.environ.get("VERPO_PARALLEL")
        os.environ["VERPO_PARALLEL"] = "5"
        try:
            self.assertEqual(vc._client_from({"urls": "http://a:1, http://b:1"}).workers, 10)
            os.environ["VERPO_PARALLEL"] = "many"
            with self.assertRaisesRegex(ValueError, "VERPO_PARALLEL"):
                vc._client_from({"url": "http://a:1"})
        finally:
            if old is None:
                del os.environ["VERPO_PARALLEL"]
            else:
                os.environ["VERPO_PARALLEL"] = old

    def test_the_token_comes_from_the_environment_unless_given(self) -> None:
        old = os.environ.get("VERPO_TOKEN")
        os.environ["VERPO_TOKEN"] = "from-env"
        try:
            self.assertEqual(vc.VerpoClient("http://a:1").token, "from-env")
            self.assertEqual(vc.VerpoClient("http://a:1", token="given").token, "given")
            self.assertFalse(vc.VerpoClient("http://a:1", token="").token)
        finally:
            if old is None:
                del os.environ["VERPO_TOKEN"]
            else:
                os.environ["VERPO_TOKEN"] = old


class TrainerData(unittest.TestCase):
    def test_extract_program(self) -> None:
        self.assertEqual(vc.extract_program("x\n```python\na = 1\n```\n```\nb\n```"), "a = 1\n")
        self.assertEqual(vc.extract_program("```py\n1\n```\n```python3\n2\n```"), "2\n")
        self.assertEqual(vc.extract_program("```text\nonly\n```"), "only\n")
        self.assertEqual(vc.extract_program("print(1)"), "print(1)")

    def test_tests_from_ground_truth(self) -> None:
        ours = {"tests": [{"type": "assert", "code": "assert f() == 1"}], "setup": "import math", "other": 1}
        self.assertEqual(vc.tests_from_ground_truth(json.dumps(ours)), {"tests": ours["tests"], "setup": "import math"})
        stdio = vc.tests_from_ground_truth({"inputs": ["1 2\n", ["3", "4"]], "outputs": ["3\n", ["7"]]})
        self.assertEqual(stdio["tests"], [{"type": "stdio", "stdin": "1 2\n", "stdout": "3\n"}, {"type": "stdio", "stdin": "3\n4", "stdout": "7"}])
        call = vc.tests_from_ground_truth({"inputs": [[2], "5\n6"], "outputs": [[4], [11]], "fn_name": "f", "assert_case": ["assert f(0, 0) == 0"]})
        self.assertEqual(call["tests"][:2], [{"type": "call", "fn": "f", "args": [2], "expected": 4},
                                             {"type": "call", "fn": "f", "args": [5, 6], "expected": 11}])
        self.assertEqual(call["tests"][2], {"type": "assert", "code": "assert f(0, 0) == 0"})
        self.assertIn("Solution().f(", call["setup"])
        for bad, msg in (("[1]", "expected a JSON object"), ({"inputs": ["1"], "outputs": []}, "1 inputs but 0 outputs"), ({}, "no tests")):
            with self.assertRaisesRegex(vc.VerpoError, msg):
                vc.tests_from_ground_truth(bad)


class Typed(unittest.TestCase):
    def test_the_package_says_it_is_typed(self) -> None:
        self.assertTrue(os.path.isfile(os.path.join(os.path.dirname(vc.__file__), "py.typed")))

    def test_every_public_callable_is_annotated(self) -> None:
        callables: List[Any] = [getattr(vc, n) for n in vc.__all__ if inspect.isfunction(getattr(vc, n))]
        callables += [vc.VerpoClient.__init__, vc.VerpoClient.score, vc.VerpoClient.post, vc.VerpoClient.rewards]
        for f in callables:
            hints = typing.get_type_hints(f)
            sig = inspect.signature(f)
            for name in sig.parameters:
                if name != "self":
                    self.assertIn(name, hints, f"{f.__qualname__}: parameter {name} has no type")
            self.assertIn("return", hints, f"{f.__qualname__}: no return type")


class Spreading(unittest.TestCase):
    def test_one_url_with_parallel_requests_cuts_the_batch_so_each_is_used(self) -> None:
        s = StandIn(delay=0.3)
        try:
            c = vc.VerpoClient(s.url, parallel=4, chunk_size=32)
            out = c.score(groups(10))
            self.assertEqual([r["id"] for r in out], [f"g{i}" for i in range(10)])
            sizes = sorted(len(r) for r in s.requests)
            self.assertEqual(sizes, [1, 3, 3, 3])  # ceil(10 / 4) = 3 per request, the rest in the last
            self.assertEqual(s.max_in_flight, 4)
            self.assertEqual(sorted(i for r in s.requests for i in r), sorted(f"g{i}" for i in range(10)))
        finally:
            s.close()

    def test_chunk_size_still_bounds_a_request(self) -> None:
        s = StandIn()
        try:
            vc.VerpoClient(s.url, parallel=2, chunk_size=5).score(groups(23))
            self.assertEqual(max(len(r) for r in s.requests), 5)
            self.assertEqual(sum(len(r) for r in s.requests), 23)
        finally:
            s.close()

    def test_an_empty_batch_sends_nothing(self) -> None:
        s = StandIn()
        try:
            self.assertEqual(vc.VerpoClient(s.url).score([]), [])
            self.assertEqual(s.requests, [])
        finally:
            s.close()


class Retries(unittest.TestCase):
    def test_503_with_retry_after_is_retried_after_that_long(self) -> None:
        def busy(n: int, h: Any) -> bool:
            if n > 0:
                return False
            h.send_response(503)
            h.send_header("Retry-After", "1")
            h.send_header("Content-Type", "application/json")
            h.end_headers()
            h.wfile.write(b'{"error": "the server is shutting down"}')
            return True

        s = StandIn(misbehave=busy)
        try:
            c = vc.VerpoClient(s.url, parallel=1, backoff=0.01)
            t0 = time.monotonic()
            out = c.score(groups(3))
            self.assertGreaterEqual(time.monotonic() - t0, 1.0)
            self.assertEqual([r["id"] for r in out], ["g0", "g1", "g2"])
            self.assertEqual(len(c.log), 1)
            self.assertRegex(c.log[0], r"^retry 1/5: http://127\.0\.0\.1:\d+: HTTP 503: the server is shutting down$")
        finally:
            s.close()

    def test_a_cut_stream_resends_only_the_groups_without_a_result(self) -> None:
        def cut(n: int, h: Any) -> bool:
            if n > 0:
                return False
            h.send_response(200)
            h.send_header("Content-Type", "application/x-ndjson")
            h.end_headers()
            for gid in ("g0", "g1"):
                h.wfile.write(json.dumps({"id": gid, "rollouts": [], "error": None}).encode() + b"\n")
            h.wfile.flush()
            h.close_connection = True
            return True

        s = StandIn(misbehave=cut)
        try:
            c = vc.VerpoClient(s.url, parallel=1, backoff=0.01)
            out = c.score(groups(5))
            self.assertEqual([r["id"] for r in out], [f"g{i}" for i in range(5)])
            self.assertEqual(s.requests, [["g0", "g1", "g2", "g3", "g4"], ["g2", "g3", "g4"]])
            self.assertEqual(c.duplicates, 0)
            self.assertRegex(c.log[0], r"the stream ended after 2 of 5 results")
        finally:
            s.close()

    def test_a_refusal_is_not_retried(self) -> None:
        def refuse(n: int, h: Any) -> bool:
            h.send_response(400)
            h.send_header("Content-Type", "application/json")
            h.end_headers()
            h.wfile.write(b'{"error": "invalid request: options: alpha is -1: expected a number > 0"}')
            return True

        s = StandIn(misbehave=refuse)
        try:
            c = vc.VerpoClient(s.url)
            with self.assertRaises(vc.VerpoError) as e:
                c.score(groups(1), {"alpha": -1})
            self.assertNotIsInstance(e.exception, vc.RetryableError)
            self.assertEqual(str(e.exception), f"{s.url}: HTTP 400: invalid request: options: alpha is -1: expected a number > 0")
            self.assertEqual(len(s.requests), 1)
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main()
