"""The client against a live `verpo serve`: VERPO_TEST_URL names it (the vitest runner,
test/server/python-client.test.ts, starts one with a token and passes it as VERPO_TEST_TOKEN).

    verpo serve --port 8080 --token t &
    VERPO_TEST_URL=http://127.0.0.1:8080 VERPO_TEST_TOKEN=t python3 -m unittest discover -s clients/python/tests
"""

from __future__ import annotations

import os
import unittest
from typing import Any, Dict, List

import verpo_client as vc

URL = os.environ.get("VERPO_TEST_URL", "")
TOKEN = os.environ.get("VERPO_TEST_TOKEN", "")

ADD_TESTS = [{"type": "assert", "code": "assert add(1, 2) == 3"},
             {"type": "call", "fn": "add", "args": [2, 2], "expected": 4},
             {"type": "stdio", "stdin": "", "stdout": "ready\n"}]
RIGHT = "def add(a, b):\n    return a + b\nprint('ready')\n"
WRONG = "def add(a, b):\n    return a - b\nprint('ready')\n"
CRASH = "raise SystemExit(3)\n"


def program_group(gid: str) -> Dict[str, Any]:
    return {"id": gid, "tests": ADD_TESTS, "rollouts": [RIGHT, WRONG, CRASH]}


@unittest.skipUnless(URL, "set VERPO_TEST_URL to a running verpo serve (and VERPO_TEST_TOKEN to its token)")
class LiveServer(unittest.TestCase):
    def client(self, **kwargs: Any) -> vc.VerpoClient:
        kwargs.setdefault("token", TOKEN)
        kwargs.setdefault("backoff", 0.05)
        return vc.VerpoClient(URL, **kwargs)

    def test_scores_programs_verdicts_and_rewards(self) -> None:
        (r,) = self.client().score([program_group("add")], {"scheme": "verpo"})
        self.assertEqual(r["id"], "add")
        self.assertIsNone(r["error"])
        right, wrong, crash = r["rollouts"]
        self.assertEqual(right["verdicts"], ["AC", "AC", "AC"])
        self.assertEqual(wrong["verdicts"], ["WA", "WA", "AC"])
        self.assertEqual(crash["verdicts"][0], "RE")
        self.assertEqual([x["passed"] for x in r["rollouts"]], [[1, 1, 1], [0, 0, 1], [0, 0, 0]])
        self.assertEqual([x["outcome"] for x in r["rollouts"]], [1, 0, 0])
        self.assertGreater(right["reward"], wrong["reward"])
        self.assertGreater(wrong["reward"], crash["reward"])
        self.assertEqual(crash["reward"], 0)
        self.assertAlmostEqual(sum(x["advantage"] for x in r["rollouts"]), 0.0, places=9)
        self.assertEqual(len(r["weights"]), 3)

    def test_a_batch_in_many_chunks_and_parallel_requests_keeps_its_order(self) -> None:
        batch: List[Dict[str, Any]] = [{"id": f"p{i}", "passed": [[1, 1, 0], [(i % 2), 0, 0], [0, 0, 0]]} for i in range(41)]
        batch[7:9] = [program_group("x7"), program_group("x8")]
        c = self.client(chunk_size=3, parallel=4)
        out = c.score(batch)
        self.assertEqual([r["id"] for r in out], [g["id"] for g in batch])
        self.assertEqual(c.duplicates, 0)
        self.assertEqual(c.log, [])
        for g, r in zip(batch, out):
            self.assertIsNone(r["error"], g["id"])
            if "passed" in g:
                self.assertEqual([x["passed"] for x in r["rollouts"]], g["passed"])
            self.assertEqual(r["rollouts"][0]["outcome"], 1 if "tests" in g else 0)

    def test_rho_replaces_the_groups_own_pass_rates(self) -> None:
        passed = [[1, 0, 0], [1, 1, 0]]
        own, easy = self.client().score([{"id": "own", "passed": passed}, {"id": "given", "passed": passed, "rho": [0.5, 0.5, 0.5]}])
        self.assertNotEqual(own["weights"][0], own["weights"][1])  # its own rates: 1, 0.5, 0
        self.assertEqual(len(set(easy["weights"])), 1)  # equal rates, equal weights

    def test_a_bad_group_is_its_own_error_line(self) -> None:
        good, bad = self.client().score([program_group("fine"), {"id": "bad", "tests": [{"type": "assert", "code": 7}], "rollouts": [RIGHT]}])
        self.assertIsNone(good["error"])
        self.assertRegex(bad["error"], r"tests\[0\]\.code")
        with self.assertRaisesRegex(vc.VerpoError, "group 'bad'"):
            self.client().rewards([{"id": "bad", "tests": [{"type": "assert", "code": 7}], "rollouts": [RIGHT]}])
        rows = self.client().rewards([program_group("ok")])
        self.assertEqual(len(rows[0]), 3)

    def test_refusals_are_fatal_and_name_the_problem(self) -> None:
        with self.assertRaisesRegex(vc.VerpoError, r"HTTP 400: invalid request: .*alpha is -1") as e:
            self.client().score([{"id": 1, "passed": [[1]]}], {"alpha": -1})
        self.assertNotIsInstance(e.exception, vc.RetryableError)
        if TOKEN:
            for token in ("wrong", ""):
                with self.assertRaisesRegex(vc.VerpoError, "HTTP 401: missing or wrong bearer token") as e:
                    vc.VerpoClient(URL, token=token).score([{"id": 1, "passed": [[1]]}])
                self.assertNotIsInstance(e.exception, vc.RetryableError)

    def test_run_code_sandbox_fusion_style(self) -> None:
        r = self.client().post("/run_code", {"code": "print(int(input()) * 2)", "language": "python", "stdin": "21\n"})
        self.assertEqual(r["status"], "Success")
        self.assertEqual(r["run_result"]["stdout"], "42\n")

    def test_verl_compute_score(self) -> None:
        gt = {"inputs": ["1 2\n", "3 4\n"], "outputs": ["3\n", "7\n"]}
        out = vc.compute_score(["apps"] * 3,
                               ["```python\na, b = map(int, input().split())\nprint(a + b)\n```", "```python\nprint(3)\n```", "no code"],
                               [gt, gt, gt], None, url=URL, token=TOKEN, parallel=2)
        self.assertEqual([x["pass_rate"] for x in out], [1.0, 0.5, 0.0])
        self.assertGreater(out[0]["score"], out[1]["score"])
        for x in out:
            self.assertEqual(sorted(x), ["dense", "error", "outcome", "pass_rate", "score", "verpo_advantage"])
            self.assertEqual(x["error"], "")

    def test_trl_reward_from_the_environment(self) -> None:
        saved = {k: os.environ.get(k) for k in ("VERPO_URL", "VERPO_URLS", "VERPO_TOKEN")}
        os.environ.pop("VERPO_URLS", None)
        os.environ["VERPO_URL"] = URL
        os.environ["VERPO_TOKEN"] = TOKEN
        try:
            gt = '{"tests": [{"type": "assert", "code": "assert add(2, 3) == 5"}, {"type": "assert", "code": "assert add(0, 0) == 0"}]}'
            prompt = [{"role": "user", "content": "add"}]
            rewards = vc.trl_reward([prompt] * 3, [[{"role": "assistant", "content": "```python\n" + p + "```"}] for p in
                                                   ("def add(a, b):\n    return a + b\n", "def add(a, b):\n    return a * b\n", "x = (\n")],
                                    ground_truth=[gt] * 3)
            right, wrong, broken = rewards
            assert right is not None and wrong is not None  # every label here can be scored
            self.assertGreater(right, wrong)
            self.assertGreater(wrong, 0.0)  # a * b passes add(0, 0) == 0
            self.assertEqual(broken, 0.0)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


if __name__ == "__main__":
    unittest.main()
