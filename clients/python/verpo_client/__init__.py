"""Client for the verpo reward server (`verpo serve`), standard library only.

- VerpoClient(urls): scores a batch of problem groups across one or more servers (or the replicas
  behind one load-balanced URL, such as a Kubernetes Service: `parallel` requests at once). The
  batch is cut into chunks, chunks are spread over the servers, and results are streamed back
  (NDJSON) and kept by their index in the batch: a chunk cut short by a dead or restarting server is
  resent, without the groups already received, to another server (or another connection to the
  Service). Nothing is scored twice from the caller's view, and nothing is lost: score() returns
  every result or raises.
- compute_score(...): verl's batch reward function (reward_model.reward_manager=batch).
- trl_reward(prompts, completions, **kwargs): a TRL GRPOTrainer reward function.

Installed with `pip install ./clients/python` (standard library only, typed: PEP 561), or used as
this one file (verl's custom_reward_function.path may name it). See README.md in clients/python.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import itertools
import json
import os
import random
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Union

__version__ = "0.1.0"

__all__ = [
    "VerpoClient", "VerpoError", "RetryableError", "extract_program", "tests_from_ground_truth",
    "compute_score", "trl_reward", "make_trl_reward",
]


class VerpoError(Exception):
    """A request the server refused for a reason retrying cannot fix (400, 401, 404, ...)."""


class RetryableError(VerpoError):
    """The server could not answer now (connection refused or reset, timeout, 429, 503, a stream cut
    short): the same request may succeed later or on another server."""

    #: Seconds the server asked to wait (its Retry-After header), 0 when it said nothing.
    retry_after: float = 0.0


_RETRYABLE_HTTP = {408, 429, 500, 502, 503, 504}


class _Chunk:
    """Groups [indices] of the batch still to be scored, and how often this chunk has failed."""

    def __init__(self, indices: List[int]) -> None:
        self.indices = indices
        self.failures = 0


class VerpoClient:
    """Scores problem groups on one or more verpo servers.

    urls: one server URL (``http://host:8080``) or a list of them. One URL may stand for several
        servers behind a load balancer that picks a server per connection (a Kubernetes Service):
        each request is a new connection, so raise ``parallel`` to reach them all.
    token: bearer token (default: the VERPO_TOKEN environment variable).
    parallel: requests in flight per URL (default 2, which keeps one server busy: it runs the
        groups of both requests while their results stream back). Behind a Service with R
        replicas, 2 x R.
    workers: requests in flight in all (default: parallel x the number of URLs).
    chunk_size: at most this many groups per request; a batch is cut into at least as many chunks
        as requests may be in flight, so every server gets a share (a server refuses more groups
        than its queue holds with 413: the chunk is then halved automatically).
    max_attempts: tries per chunk before score() gives up with RetryableError.
    backoff / max_backoff: seconds of exponential back-off (with jitter) between tries; a server's
        Retry-After is honoured when it sends one.
    timeout: seconds a request may stay silent (socket timeout).
    """

    def __init__(self, urls: Union[str, Sequence[str]], token: Optional[str] = None, chunk_size: int = 32,
                 max_attempts: int = 6, backoff: float = 0.25, max_backoff: float = 8.0, timeout: float = 600.0,
                 workers: Optional[int] = None, parallel: int = 2) -> None:
        self.urls: List[str] = [urls] if isinstance(urls, str) else list(urls)
        if not self.urls:
            raise ValueError("urls: expected at least one server URL")
        for u in self.urls:
            if not isinstance(u, str) or not re.match(r"^https?://[^/\s]+", u):
                raise ValueError(f"urls: {u!r} is not an http:// or https:// URL")
        self.urls = [u.rstrip("/") for u in self.urls]
        self.token: Optional[str] = token if token is not None else os.environ.get("VERPO_TOKEN") or None
        for name, value in (("chunk_size", chunk_size), ("max_attempts", max_attempts), ("parallel", parallel)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}: expected an integer >= 1, got {value!r}")
        if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
            raise ValueError(f"workers: expected an integer >= 1, got {workers!r}")
        self.chunk_size = chunk_size
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.parallel = parallel
        self.workers: int = workers if workers is not None else parallel * len(self.urls)
        self._lock = threading.Lock()
        self._down_until: Dict[str, float] = {}
        self._streak: Dict[str, int] = {}  # consecutive failures per server: its rest grows with them
        self._rr = itertools.count()
        self.log: List[str] = []  # one line per retried failure, for the caller's logs
        self.duplicates = 0  # results received for an index that already had one (a bug if ever > 0)

    # -- transport -------------------------------------------------------------------------------

    def _request(self, url: str, path: str, body: Any, ndjson: bool) -> "http.client.HTTPResponse":
        data = json.dumps(body).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/x-ndjson" if ndjson else "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        req = urllib.request.Request(url + path, data=data, headers=headers, method="POST")
        try:
            return urllib.request.urlopen(req, timeout=self.timeout)  # type: ignore[no-any-return]
        except urllib.error.HTTPError as e:
            raise _http_error(url, e) from None
        except (urllib.error.URLError, ConnectionError, socket.timeout, http.client.HTTPException, OSError) as e:
            reason = getattr(e, "reason", e)
            raise RetryableError(f"{url}: cannot reach the server ({reason})") from None

    def post(self, path: str, body: Any, url: Optional[str] = None) -> Any:
        """One JSON request to one server (the first URL by default); no retries."""
        resp = self._request(url or self.urls[0], path, body, ndjson=False)
        with resp:
            try:
                return json.loads(resp.read().decode("utf-8"))
            except (ConnectionError, socket.timeout, http.client.HTTPException, OSError) as e:
                raise RetryableError(f"{url or self.urls[0]}: the reply was cut short ({e})") from None

    # -- scoring ---------------------------------------------------------------------------------

    def _pick(self, avoid: Optional[str]) -> str:
        """The next server in rotation that is not resting after a failure (and not `avoid`, when
        there is another)."""
        with self._lock:
            now = time.monotonic()
            n = len(self.urls)
            start = next(self._rr)
            order = [self.urls[(start + k) % n] for k in range(n)]
            up = [u for u in order if self._down_until.get(u, 0) <= now]
            pool = up or sorted(order, key=lambda u: self._down_until.get(u, 0))
            if avoid is not None and len(pool) > 1 and pool[0] == avoid:
                return pool[1]
            return pool[0]

    def _rest(self, url: str, seconds: float) -> float:
        """Marks a server as failing; it rests `seconds` or more the more often it failed in a row."""
        with self._lock:
            streak = self._streak.get(url, 0) + 1
            self._streak[url] = streak
            seconds = max(seconds, min(self.max_backoff, self.backoff * 2 ** (streak - 1)))
            self._down_until[url] = max(self._down_until.get(url, 0), time.monotonic() + seconds)
            return seconds

    def _healthy(self, url: str) -> None:
        with self._lock:
            self._streak[url] = 0

    def _stream_chunk(self, url: str, problems: Sequence[Any], chunk: _Chunk, options: Dict[str, Any],
                      results: List[Any]) -> None:
        """Sends the chunk's remaining groups; stores each result line by its batch index as it
        arrives, and drops it from the chunk, so a retry sends only what is missing."""
        body = {"problems": [problems[i] for i in chunk.indices], "options": options}
        resp = self._request(url, "/score", body, ndjson=True)
        sent = list(chunk.indices)
        got = 0
        try:
            with resp:
                for raw in resp:
                    line = raw.strip()
                    if not line:
                        continue
                    if results[sent[got]] is not None:
                        with self._lock:
                            self.duplicates += 1
                    results[sent[got]] = json.loads(line.decode("utf-8"))
                    got += 1
                    chunk.indices = sent[got:]
        except (ConnectionError, socket.timeout, http.client.HTTPException, OSError) as e:
            raise RetryableError(f"{url}: the stream was cut after {got} of {len(sent)} results ({e})") from None
        if got < len(sent):
            raise RetryableError(f"{url}: the stream ended after {got} of {len(sent)} results")

    def _score_chunk(self, problems: Sequence[Any], chunk: _Chunk, options: Dict[str, Any], results: List[Any],
                     pending: List[_Chunk]) -> None:
        last_url: Optional[str] = None
        while chunk.indices:
            url = self._pick(last_url)
            try:
                self._stream_chunk(url, problems, chunk, options, results)
                self._healthy(url)
                return
            except _TooLarge:
                if len(chunk.indices) == 1:
                    raise VerpoError(f"{url}: one group is larger than the server accepts (413)") from None
                half = len(chunk.indices) // 2
                with self._lock:
                    pending.append(_Chunk(chunk.indices[half:]))
                chunk.indices = chunk.indices[:half]
            except RetryableError as e:
                chunk.failures += 1
                last_url = url
                wait = min(self.max_backoff, self.backoff * 2 ** (chunk.failures - 1)) * (0.5 + random.random())
                wait = self._rest(url, max(wait, e.retry_after))
                if chunk.failures >= self.max_attempts:
                    raise RetryableError(f"gave up after {chunk.failures} attempts: {e}") from None
                with self._lock:
                    self.log.append(f"retry {chunk.failures}/{self.max_attempts - 1}: {e}")
                if len(self.urls) == 1 or all(self._down_until.get(u, 0) > time.monotonic() for u in self.urls):
                    time.sleep(wait)

    def score(self, problems: Sequence[Dict[str, Any]], options: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
        """Scores groups (the JSONL contract's input lines); returns one result per group, in order.

        Raises RetryableError when some groups could not be scored on any server within
        max_attempts (the servers are down or overloaded), VerpoError on a request the server
        refuses (bad options, wrong token)."""
        options = dict(options or {})
        results: List[Any] = [None] * len(problems)
        # as many chunks as requests may be in flight, at least: a batch smaller than workers x
        # chunk_size still reaches every server (or every replica behind a Service)
        size = max(1, min(self.chunk_size, -(-len(problems) // self.workers)))
        pending = [_Chunk(list(range(i, min(i + size, len(problems))))) for i in range(0, len(problems), size)]
        with concurrent.futures.ThreadPoolExecutor(max_workers=self.workers) as pool:
            running: "set[concurrent.futures.Future[None]]" = set()
            while pending or running:
                with self._lock:
                    while pending and len(running) < self.workers:
                        c = pending.pop(0)
                        running.add(pool.submit(self._score_chunk, problems, c, options, results, pending))
                done, running = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED, timeout=0.5)
                for f in done:
                    f.result()  # re-raises a chunk's final failure
        missing = [i for i, r in enumerate(results) if r is None]
        if missing:  # cannot happen unless a server answered with fewer lines without an error
            raise RetryableError(f"{len(missing)} groups have no result (first: {missing[0]})")
        return results

    # -- trainer adapters ------------------------------------------------------------------------

    def rewards(self, groups: List[Dict[str, Any]], options: Optional[Dict[str, Any]] = None) -> List[List[Dict[str, Any]]]:
        """Per group, its rollouts' result rows ({verdicts, passed, dense, outcome, reward, advantage})."""
        out: List[List[Dict[str, Any]]] = []
        for g, r in zip(groups, self.score(groups, options)):
            if r.get("error"):
                raise VerpoError(f"group {g.get('id')!r}: {r['error']}")
            out.append(r["rollouts"])
        return out


class _TooLarge(VerpoError):
    pass


def _http_error(url: str, e: urllib.error.HTTPError) -> VerpoError:
    try:
        message = json.loads(e.read().decode("utf-8")).get("error", "")
    except Exception:  # the body is not ours (a proxy's page): the status says enough
        message = ""
    text = f"{url}: HTTP {e.code}{': ' + message if message else ''}"
    if e.code == 413:
        return _TooLarge(text)
    if e.code in _RETRYABLE_HTTP:
        err = RetryableError(text)
        try:
            err.retry_after = max(0.0, float(e.headers.get("Retry-After", "0")))
        except (TypeError, ValueError):  # an HTTP date, or garbage: back off as usual
            err.retry_after = 0.0
        return err
    return VerpoError(text)


# -- programs and tests from trainer data ------------------------------------------------------

_FENCE = re.compile(r"```([^\n`]*)\n(.*?)```", re.S)


def extract_program(completion: str) -> str:
    """The last ```python block, else the last fenced block, else the whole text (same rule as the
    server's OpenRLHF endpoint)."""
    last_python = last_any = None
    for m in _FENCE.finditer(completion):
        if m.group(1).strip().lower() in ("python", "py", "python3"):
            last_python = m.group(2)
        last_any = m.group(2)
    if last_python is not None:
        return last_python
    return last_any if last_any is not None else completion


def _completion_text(c: Any) -> str:
    """TRL completions are strings, or (conversational) lists of messages: the last message's content."""
    if isinstance(c, str):
        return c
    if isinstance(c, list) and c and isinstance(c[-1], dict):
        return str(c[-1].get("content", ""))
    return str(c)


def tests_from_ground_truth(ground_truth: Any) -> Dict[str, Any]:
    """A group without programs from a ground truth: our own ``{"tests", "setup"?, "limits"?}``, or
    verl's APPS style ``{"inputs", "outputs", "fn_name"?, "assert_case"?}`` (JSON text or dict)."""
    gt = json.loads(ground_truth) if isinstance(ground_truth, (str, bytes)) else ground_truth
    if not isinstance(gt, dict):
        raise VerpoError(f"ground truth: expected a JSON object, got {type(gt).__name__}")
    if isinstance(gt.get("tests"), list):
        return {k: gt[k] for k in ("tests", "setup", "limits") if k in gt}
    tests: List[Dict[str, Any]] = []
    group: Dict[str, Any] = {}
    inputs, outputs = gt.get("inputs") or [], gt.get("outputs") or []
    if len(inputs) != len(outputs):
        raise VerpoError(f"ground truth: {len(inputs)} inputs but {len(outputs)} outputs")
    fn = gt.get("fn_name")
    if fn:
        # APPS convention: outputs wrapped in one-element lists when every one of them is
        unwrap = all(isinstance(o, list) and len(o) == 1 for o in outputs)
        for args, out in zip(inputs, outputs):
            if isinstance(args, str):  # verl's form: one JSON value per line, each a positional argument
                args = [json.loads(line) for line in args.splitlines() if line.strip()]
            tests.append({"type": "call", "fn": fn, "args": args if isinstance(args, list) else [args],
                          "expected": out[0] if unwrap else out})
        group["setup"] = f"def {fn}(*args, **kwargs):\n    return Solution().{fn}(*args, **kwargs)\n"
    else:
        tests.extend({"type": "stdio", "stdin": _text(i), "stdout": _text(o)} for i, o in zip(inputs, outputs))
    tests.extend({"type": "assert", "code": a} for a in gt.get("assert_case") or [])
    if not tests:
        raise VerpoError("ground truth: no tests (expected tests, inputs/outputs or assert_case)")
    group["tests"] = tests
    return group


def _text(v: Any) -> str:
    """An APPS input or output: a string, or a list of lines."""
    return "\n".join(v) if isinstance(v, list) else str(v)


def _groups_of_consecutive(keys: Sequence[str]) -> List[List[int]]:
    """Runs of equal consecutive keys: a prompt's rollouts are consecutive in verl and TRL batches."""
    runs: List[List[int]] = []
    for i, k in enumerate(keys):
        if runs and keys[runs[-1][0]] == k:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _score_rollouts(client: VerpoClient, keys: Sequence[str], specs: Sequence[Dict[str, Any]], programs: Sequence[str],
                    options: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Groups consecutive rollouts of one problem, scores them, and returns one row per rollout."""
    runs = _groups_of_consecutive(keys)
    groups = [{"id": n, **specs[run[0]], "rollouts": [programs[i] for i in run]} for n, run in enumerate(runs)]
    results = client.score(groups, options)
    rows: List[Dict[str, Any]] = [{}] * len(programs)
    for run, res in zip(runs, results):
        if res.get("error"):
            raise VerpoError(f"rollouts {run[0]}..{run[-1]}: {res['error']}")
        for i, row in zip(run, res["rollouts"]):
            rows[i] = row
    return rows


def _client_from(kwargs: Dict[str, Any]) -> VerpoClient:
    client = kwargs.get("client")
    if isinstance(client, VerpoClient):
        return client
    urls = kwargs.get("urls") or kwargs.get("url") or os.environ.get("VERPO_URLS") or os.environ.get("VERPO_URL") or "http://127.0.0.1:8080"
    if isinstance(urls, str):
        urls = [u for u in re.split(r"[,\s]+", urls) if u]
    parallel = kwargs.get("parallel") or os.environ.get("VERPO_PARALLEL") or 2
    try:
        parallel = int(parallel)
    except ValueError:
        raise ValueError(f"parallel (or VERPO_PARALLEL): expected an integer >= 1, got {parallel!r}") from None
    return VerpoClient(urls, token=kwargs.get("token"), parallel=parallel)


def compute_score(data_sources: Sequence[str], solution_strs: Sequence[str], ground_truths: Sequence[Any],
                  extra_infos: Optional[Sequence[Any]] = None, **reward_kwargs: Any) -> List[Dict[str, Any]]:
    """verl's batch reward function (reward_model.reward_manager=batch,
    custom_reward_function.path=.../verpo_client.py, custom_reward_function.name=compute_score).

    Consecutive samples with the same data source and ground truth form one group (verl lays out a
    prompt's n rollouts consecutively). Returns one dict per sample with "score" (the VeRPO reward)
    and the parts it is made of. reward_kwargs: url/urls, token, parallel, scheme, alpha, beta,
    gamma, delta.
    """
    client = _client_from(reward_kwargs)
    options = {k: reward_kwargs[k] for k in ("scheme", "alpha", "beta", "gamma", "delta") if k in reward_kwargs}
    keys = [f"{ds}\x00{gt if isinstance(gt, str) else json.dumps(gt, sort_keys=True)}" for ds, gt in zip(data_sources, ground_truths)]
    specs = [tests_from_ground_truth(gt) for gt in ground_truths]
    rows = _score_rollouts(client, keys, specs, [extract_program(s) for s in solution_strs], options)
    return [{"score": r["reward"], "dense": r["dense"], "outcome": r["outcome"],
             "pass_rate": sum(r["passed"]) / len(r["passed"]), "verpo_advantage": r["advantage"]} for r in rows]


def make_trl_reward(client: Optional[VerpoClient] = None, column: str = "ground_truth",
                    options: Optional[Dict[str, Any]] = None) -> Callable[..., List[float]]:
    """A TRL reward function reading each completion's tests from the dataset column `column`
    (our ``{"tests": ...}`` or verl/APPS ``{"inputs", "outputs"}``, JSON text or dict)."""
    opts = dict(options or {})

    def reward(prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> List[float]:
        c = client or _client_from({})
        if column not in kwargs:
            raise VerpoError(f"trl_reward: the dataset has no column {column!r} with each problem's tests")
        truths = kwargs[column]
        keys = [json.dumps(p, sort_keys=True, default=str) for p in prompts]
        specs = [tests_from_ground_truth(gt) for gt in truths]
        rows = _score_rollouts(c, keys, specs, [extract_program(_completion_text(x)) for x in completions], opts)
        return [float(r["reward"]) for r in rows]

    reward.__name__ = "verpo_reward"
    return reward


def trl_reward(prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> List[float]:
    """TRL reward function: ``GRPOTrainer(reward_funcs=[trl_reward], ...)``. Servers from VERPO_URL
    or VERPO_URLS (comma-separated), tests from the dataset column "ground_truth"."""
    return make_trl_reward()(prompts, completions, **kwargs)
