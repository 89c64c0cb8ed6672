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

Both adapters send each sample's label (ground truth) and completion as the trainer holds them; the
server reads labels by its one set of rules (every form the datasets write: verpo's tests, verl/APPS,
LiveCodeBench, DeepCoder) and takes the program from each completion, exactly as its own
/verl/compute_score and /trl/reward routes do. A sample it cannot score fails alone (verl: score 0.0
and an "error"; TRL: None), never the batch.

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
    "VerpoClient", "VerpoError", "RetryableError", "compute_score", "trl_reward", "make_trl_reward",
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
        data = json.dumps(body, default=_plain).encode("utf-8")
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


# -- trainer adapters: labels and completions as the trainers hold them ---------------------------
#
# The client builds no tests and extracts no programs: each group goes to POST /score as
# {"id", "label": <the ground truth as given>, "completions": [<the model outputs as given>]}, and the
# server reads the label by its one set of rules (lib/datasets/label-rules.ts: verpo's {"tests"},
# verl/APPS {"inputs", "outputs", "fn_name"?, "assert_case"?}, LiveCodeBench and DeepCoder cases and
# rows) and takes the program from each completion (plain text, or TRL's conversational messages,
# tool calls and tool results included) as its /verl/compute_score and /trl/reward routes do. The
# client keeps what those single-request routes cannot: chunks spread over several servers (or the
# replicas behind one Service), parallel requests and retries.

_OPTION_KEYS = ("scheme", "alpha", "beta", "gamma", "delta", "advantage")

#: A group's error line that is the server's fault, not the sample's (its routes answer it with 503).
_INTERNAL = re.compile(r"^problems\[\d+\]: internal error")
_PROBLEM_PREFIX = re.compile(r"^problems\[\d+\]")


def _plain(o: Any) -> Any:
    """JSON for the values datasets hand over that json cannot write: numpy arrays and scalars (a
    parquet column read through pandas) become lists and numbers."""
    tolist = getattr(o, "tolist", None)
    if callable(tolist):
        return tolist()
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


def _key(v: Any) -> str:
    """A grouping key with the server's rule: strings as they are, anything else as its JSON."""
    if isinstance(v, str):
        return "s" + v
    try:
        return "j" + json.dumps(v, default=_plain, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return "r" + repr(v)


def _groups_of_consecutive(keys: Sequence[str]) -> List[List[int]]:
    """Runs of equal consecutive keys: a prompt's rollouts are consecutive in verl and TRL batches."""
    runs: List[List[int]] = []
    for i, k in enumerate(keys):
        if runs and keys[runs[-1][0]] == k:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _samples(run: List[int]) -> str:
    return f"sample {run[0]}" if len(run) == 1 else f"samples {run[0]}..{run[-1]}"


def _score_samples(client: VerpoClient, keys: Sequence[str], labels: Sequence[Any], completions: Sequence[Any],
                   options: Dict[str, Any]) -> List[Union[Dict[str, Any], str]]:
    """Scores consecutive samples with equal keys as one group each (label and completions sent as
    given). Per sample: its result row ({verdicts, passed, dense, outcome, reward, advantage}), or
    why it has none ("samples 4..7: label: is empty: ...", as the server's routes say it).

    A group whose label the server cannot read, or that cannot be sent as JSON, fails its own
    samples only. A group the server failed to score for its own reasons (an internal error) is sent
    again, up to the client's max_attempts in all; then RetryableError, as for a server that is down."""
    runs = _groups_of_consecutive(keys)
    rows: List[Union[Dict[str, Any], str]] = [""] * len(keys)
    groups: List[Dict[str, Any]] = []
    sent: List[List[int]] = []
    for run in runs:
        group = {"id": len(groups), "label": labels[run[0]], "completions": [completions[i] for i in run]}
        try:
            json.dumps(group, default=_plain, allow_nan=False)
        except (TypeError, ValueError) as e:
            for i in run:
                rows[i] = f"{_samples(run)}: cannot be sent as JSON: {e}"
            continue
        groups.append(group)
        sent.append(run)
    results: Dict[int, Dict[str, Any]] = {}
    todo = list(range(len(groups)))
    attempt = 0
    while todo:
        attempt += 1
        for g, res in zip(todo, client.score([groups[g] for g in todo], options)):
            results[g] = res
        todo = [g for g in todo if _INTERNAL.match(str(results[g].get("error") or ""))]
        if not todo:
            break
        first = f"{_samples(sent[todo[0]])}: {results[todo[0]]['error']}"
        if attempt >= client.max_attempts:
            raise RetryableError(f"gave up after {attempt} attempts: {len(todo)} groups had an internal error on the server (first: {first})")
        with client._lock:
            client.log.append(f"retry {attempt}/{client.max_attempts - 1}: {len(todo)} groups had an internal error on the server (first: {first})")
        time.sleep(min(client.max_backoff, client.backoff * 2 ** (attempt - 1)) * (0.5 + random.random()))
    for g, run in enumerate(sent):
        res = results[g]
        if res.get("error"):
            for i in run:
                rows[i] = _PROBLEM_PREFIX.sub(_samples(run), str(res["error"]), count=1)
            continue
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


def _verl_score(row: Union[Dict[str, Any], str]) -> Dict[str, Any]:
    """The dict verl gets for a sample, with the same keys as the server's /verl/compute_score."""
    if isinstance(row, str):
        return {"score": 0.0, "dense": 0.0, "outcome": 0.0, "pass_rate": 0.0, "verpo_advantage": 0.0, "error": row}
    passed = row["passed"]
    return {"score": row["reward"], "dense": row["dense"], "outcome": row["outcome"],
            "pass_rate": sum(passed) / len(passed) if passed else 0.0, "verpo_advantage": row["advantage"], "error": ""}


def compute_score(data_sources: Sequence[str], solution_strs: Sequence[str], ground_truths: Sequence[Any],
                  extra_infos: Optional[Sequence[Any]] = None, **reward_kwargs: Any) -> List[Dict[str, Any]]:
    """verl's batch reward function (reward_model.reward_manager=batch,
    custom_reward_function.path=.../verpo_client/__init__.py, custom_reward_function.name=compute_score).

    Consecutive samples with the same data source and ground truth form one group (verl lays out a
    prompt's n rollouts consecutively). Each ground truth is sent as given, JSON text or a value, and
    read by the server's label rules; the program is taken from each solution string by the server.
    Returns one dict per sample, the same as the server's POST /verl/compute_score: "score" (the
    VeRPO reward), "dense", "outcome", "pass_rate", "verpo_advantage", and "error" ("" when scored;
    else why not, and the score is 0.0: a bad ground truth never fails the batch). reward_kwargs:
    url/urls, token, parallel, client, and the reward options scheme, alpha, beta, gamma, delta,
    advantage.
    """
    n = len(solution_strs)
    if len(ground_truths) != n:
        raise VerpoError(f"ground_truths: expected one ground truth per solution ({n}), got {len(ground_truths)}")
    if data_sources is not None and len(data_sources) != n:
        raise VerpoError(f"data_sources: expected one per solution ({n}), got {len(data_sources)}")
    if n == 0:
        return []
    client = _client_from(reward_kwargs)
    options = {k: reward_kwargs[k] for k in _OPTION_KEYS if k in reward_kwargs}
    sources: List[Any] = [None] * n if data_sources is None else list(data_sources)
    keys = [f"{_key(ds)}\x00{_key(gt)}" for ds, gt in zip(sources, ground_truths)]
    rows = _score_samples(client, keys, ground_truths, solution_strs, options)
    return [_verl_score(r) for r in rows]


def make_trl_reward(client: Optional[VerpoClient] = None, column: str = "ground_truth",
                    options: Optional[Dict[str, Any]] = None) -> Callable[..., List[Optional[float]]]:
    """A TRL reward function reading each completion's tests from the dataset column `column` (any
    label form the server reads, JSON text or values). Completions, plain or conversational, are
    sent as they are: the server takes the program from the last assistant message with code, also
    when the completion ends with a tool result. Consecutive completions with the same prompt and
    label form one group. A completion whose label cannot be scored gets None (TRL: NaN, left out
    of the sum over reward functions), as from the server's POST /trl/reward."""
    opts = dict(options or {})

    def reward(prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> List[Optional[float]]:
        if column not in kwargs:
            raise VerpoError(f"trl_reward: the dataset has no column {column!r} with each problem's tests")
        labels = kwargs[column]
        n = len(completions)
        if len(prompts) != n or len(labels) != n:
            raise VerpoError(f"trl_reward: {len(prompts)} prompts, {n} completions and {len(labels)} {column!r} values: expected one each")
        if n == 0:
            return []
        c = client or _client_from({})
        keys = [f"{_key(p)}\x00{_key(gt)}" for p, gt in zip(prompts, labels)]
        rows = _score_samples(c, keys, labels, completions, opts)
        return [None if isinstance(r, str) else float(r["reward"]) for r in rows]

    reward.__name__ = "verpo_reward"
    return reward


def trl_reward(prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> List[Optional[float]]:
    """TRL reward function: ``GRPOTrainer(reward_funcs=[trl_reward], ...)``. Servers from VERPO_URL
    or VERPO_URLS (comma-separated), tests from the dataset column "ground_truth"."""
    return make_trl_reward()(prompts, completions, **kwargs)
