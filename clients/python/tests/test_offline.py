"""The client without a verpo server: argument checks, what the trainer adapters send (labels and
completions as given: the server reads them) and how they map each group's result or error to
its samples, the public API's type hints, and how a batch is cut, spread and retried, against a
small stand-in server (http.server) that records what it receives and misbehaves on cue."""

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
    """A threaded HTTP server that answers POST /score like verpo (NDJSON, one line per group:
    `answer(group, its index in the request)`, by default a result with no rollouts), records each
    request's body and group ids and the most requests it held at once, and runs `misbehave` (given
    the request's number, from 0) first: it may answer for itself and return True."""

    def __init__(self, delay: float = 0.0, misbehave: Optional[Callable[[int, Any], bool]] = None,
                 answer: Optional[Callable[[Dict[str, Any], int], Dict[str, Any]]] = None) -> None:
        self.requests: List[List[Any]] = []
        self.bodies: List[Dict[str, Any]] = []
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
                    stand_in.bodies.append(body)
                    stand_in.in_flight += 1
                    stand_in.max_in_flight = max(stand_in.max_in_flight, stand_in.in_flight)
                try:
                    if misbehave is not None and misbehave(n, self):
                        return
                    time.sleep(delay)
                    self.send_response(200)
                    self.send_header("Content-Type", "application/x-ndjson")
                    self.end_headers()
                    for k, p in enumerate(body["problems"]):
                        line = answer(p, k) if answer is not None else {"id": p["id"], "rollouts": [], "error": None}
                        self.wfile.write(json.dumps(line).encode() + b"\n")
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


def result_rows(group: Dict[str, Any], k: int) -> Dict[str, Any]:
    """The stand-in's answer to a group: one row per completion (its reward is its position in the
    group plus 0.5), or, for the label "bad", the error line the server writes for an empty label."""
    if group.get("label") == "bad":
        return {"id": group["id"], "error": f"problems[{k}]: label: is empty: expected the tests as JSON text"}
    rows = [{"verdicts": ["AC", "WA"], "passed": [1, 0], "dense": 0.25, "outcome": 0.0, "reward": r + 0.5, "advantage": r - 1.0}
            for r in range(len(group["completions"]))]
    return {"id": group["id"], "weights": [0.5, 0.5], "rollouts": rows, "error": None}


def verl_row(reward: float, error: str = "") -> Dict[str, Any]:
    if error:
        return {"score": 0.0, "dense": 0.0, "outcome": 0.0, "pass_rate": 0.0, "verpo_advantage": 0.0, "error": error}
    return {"score": reward, "dense": 0.25, "outcome": 0.0, "pass_rate": 0.5, "verpo_advantage": reward - 1.5, "error": ""}


class TrainerAdapters(unittest.TestCase):
    """What compute_score and the TRL function send (labels and completions as given, nothing built
    here: the server reads them) and how they map each group's result, or error, to its samples."""

    def test_verl_sends_ground_truths_and_solutions_as_given_one_group_per_run_of_equal_samples(self) -> None:
        s = StandIn(answer=result_rows)
        try:
            lcb_row = {"public_test_cases": '[{"input": "1", "output": "[1]", "testtype": "functional"}]', "metadata": '{"func_name": "f"}'}
            text = '{"inputs": ["1 2\\n"], "outputs": ["3\\n"]}'
            sols = ["```python\nprint(1)\n```", "no code", "```python\nprint(2)\n```", "print(3)", "x", "y"]
            out = vc.compute_score(["lcb", "lcb", "apps", "apps", "other", "apps"], sols, [lcb_row, lcb_row, text, text, text, text], None,
                                   client=vc.VerpoClient(s.url, parallel=1), scheme="pass-rate", alpha=2, advantage="grpo", url="not an option")
            self.assertEqual(len(s.bodies), 1)
            self.assertEqual(s.bodies[0]["options"], {"scheme": "pass-rate", "alpha": 2, "advantage": "grpo"})
            self.assertEqual(s.bodies[0]["problems"], [
                {"id": 0, "label": lcb_row, "completions": sols[0:2]},
                {"id": 1, "label": text, "completions": sols[2:4]},
                {"id": 2, "label": text, "completions": [sols[4]]},  # another data source
                {"id": 3, "label": text, "completions": [sols[5]]},  # not consecutive with its equals
            ])
            self.assertEqual(out, [verl_row(0.5), verl_row(1.5), verl_row(0.5), verl_row(1.5), verl_row(0.5), verl_row(0.5)])
        finally:
            s.close()

    def test_trl_sends_completions_as_given_grouped_by_prompt_and_label(self) -> None:
        s = StandIn(answer=result_rows)
        try:
            tool = [{"role": "assistant", "content": "```python\nprint(3)\n```", "tool_calls": [{"type": "function", "function": {"name": "run", "arguments": {"code": "print(3)"}}}]},
                    {"role": "tool", "name": "run", "content": "3"}]
            p = [{"role": "user", "content": "sum"}]
            q = [{"role": "user", "content": "other"}]
            f = vc.make_trl_reward(vc.VerpoClient(s.url, parallel=1), column="tests", options={"scheme": "binary"})
            rewards = f(prompts=[p, p, p, q], completions=[tool, "plain", tool, tool], tests=["A", "A", "B", "B"], completion_ids=[[1], [2], [3], [4]])
            self.assertEqual(s.bodies[0]["options"], {"scheme": "binary"})
            self.assertEqual(s.bodies[0]["problems"], [{"id": 0, "label": "A", "completions": [tool, "plain"]},
                                                       {"id": 1, "label": "B", "completions": [tool]},
                                                       {"id": 2, "label": "B", "completions": [tool]}])
            self.assertEqual(rewards, [0.5, 1.5, 0.5, 0.5])
            self.assertTrue(all(isinstance(r, float) for r in rewards))
        finally:
            s.close()

    def test_a_group_the_server_cannot_score_fails_its_own_samples_only(self) -> None:
        s = StandIn(answer=result_rows)
        try:
            c = vc.VerpoClient(s.url, parallel=2, chunk_size=2)  # the bad groups land in different chunks
            out = vc.compute_score(["d"] * 5, ["a", "b", "c", "d", "e"], ["ok", "bad", "bad", "ok2", "bad"], None, client=c)
            self.assertEqual(out, [verl_row(0.5),
                                   verl_row(0.0, "samples 1..2: label: is empty: expected the tests as JSON text"),
                                   verl_row(0.0, "samples 1..2: label: is empty: expected the tests as JSON text"),
                                   verl_row(0.5), verl_row(0.0, "sample 4: label: is empty: expected the tests as JSON text")])
            self.assertEqual(sorted(len(b["problems"]) for b in s.bodies), [2, 2])
            rewards = vc.make_trl_reward(c)(prompts=["p"] * 4, completions=["a", "b", "c", "d"], ground_truth=["bad", "ok", "ok", "bad"])
            self.assertEqual(rewards, [None, 0.5, 1.5, None])
        finally:
            s.close()

    def test_an_internal_error_is_sent_again_then_given_up(self) -> None:
        seen: Dict[str, int] = {}

        def flaky(group: Dict[str, Any], k: int) -> Dict[str, Any]:
            seen[group["label"]] = seen.get(group["label"], 0) + 1
            if group["label"] == "always" or (group["label"] == "once" and seen["once"] == 1):
                return {"id": group["id"], "error": f"problems[{k}]: internal error"}
            return result_rows(group, k)

        s = StandIn(answer=flaky)
        try:
            c = vc.VerpoClient(s.url, parallel=1, backoff=0.01, max_attempts=3)
            out = vc.compute_score(["d"] * 3, ["a", "b", "c"], ["fine", "once", "once"], None, client=c)
            self.assertEqual(out, [verl_row(0.5), verl_row(0.5), verl_row(1.5)])
            self.assertEqual([[p["label"] for p in b["problems"]] for b in s.bodies], [["fine", "once"], ["once"]])  # only that group again
            self.assertEqual(c.log, ["retry 1/2: 1 groups had an internal error on the server (first: samples 1..2: problems[1]: internal error)"])
            with self.assertRaisesRegex(vc.RetryableError, r"^gave up after 3 attempts: 1 groups had an internal error on the server \(first: sample 1: "):
                vc.make_trl_reward(c)(prompts=["p", "q"], completions=["a", "b"], ground_truth=["fine", "always"])
            self.assertEqual(seen["always"], 3)
        finally:
            s.close()

    def test_labels_json_cannot_write_as_they_are(self) -> None:
        class Array:  # what numpy hands over from a parquet column read through pandas
            def __init__(self, values: List[Any]) -> None:
                self.values = values

            def tolist(self) -> List[Any]:
                return self.values

        s = StandIn(answer=result_rows)
        try:
            c = vc.VerpoClient(s.url, parallel=1)
            labels: List[Any] = [{"inputs": Array(["1 2\n"]), "outputs": Array(["3\n"])}, object(), float("nan"), "ok"]
            out = vc.compute_score(["d"] * 4, ["a", "b", "c", "d"], labels, None, client=c)
            self.assertEqual(s.bodies[0]["problems"], [{"id": 0, "label": {"inputs": ["1 2\n"], "outputs": ["3\n"]}, "completions": ["a"]},
                                                       {"id": 1, "label": "ok", "completions": ["d"]}])
            self.assertEqual(out[0], verl_row(0.5))
            self.assertEqual(out[1], verl_row(0.0, "sample 1: cannot be sent as JSON: Object of type object is not JSON serializable"))
            self.assertEqual(out[2], verl_row(0.0, "sample 2: cannot be sent as JSON: Out of range float values are not JSON compliant"))
            self.assertEqual(out[3], verl_row(0.5))
        finally:
            s.close()

    def test_calls_of_the_wrong_shape_raise_before_anything_is_sent(self) -> None:
        s = StandIn(answer=result_rows)
        try:
            c = vc.VerpoClient(s.url)
            with self.assertRaisesRegex(vc.VerpoError, r"ground_truths: expected one ground truth per solution \(2\), got 1"):
                vc.compute_score(["d", "d"], ["a", "b"], ["x"], None, client=c)
            with self.assertRaisesRegex(vc.VerpoError, r"data_sources: expected one per solution \(1\), got 2"):
                vc.compute_score(["d", "d"], ["a"], ["x"], None, client=c)
            f = vc.make_trl_reward(c)
            with self.assertRaisesRegex(vc.VerpoError, "no column 'ground_truth'"):
                f(prompts=["p"], completions=["a"], answer=["x"])
            with self.assertRaisesRegex(vc.VerpoError, "1 prompts, 2 completions and 2 'ground_truth' values"):
                f(prompts=["p"], completions=["a", "b"], ground_truth=["x", "x"])
            self.assertEqual(vc.compute_score([], [], [], None, client=c), [])
            self.assertEqual(f(prompts=[], completions=[], ground_truth=[]), [])
            self.assertEqual(s.requests, [])
        finally:
            s.close()

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
