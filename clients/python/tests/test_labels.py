"""Labels as the datasets write them, through the client's verl and TRL adapters, against a live
`verpo serve` (VERPO_TEST_URL, VERPO_TEST_TOKEN; see test_server.py). For each label form a correct
program scores 1.0 and a wrong one 0.0, plain and conversational (a tool-calling completion that
ends with the tool's result), and every value is the server's own: what POST /score gives for the
same label and completions, and what its /verl/compute_score and /trl/reward routes give for the
same call. The client builds no tests: the server reads the labels (lib/datasets/label-rules.ts).
"""

from __future__ import annotations

import json
import os
import unittest
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

import verpo_client as vc

URL = os.environ.get("VERPO_TEST_URL", "")
TOKEN = os.environ.get("VERPO_TEST_TOKEN", "")


class Form(NamedTuple):
    name: str
    label: Any  # as the dataset writes it: JSON text, or the row's values
    right: str
    wrong: str  # fails every test


# LiveCodeBench release test 510 (LeetCode style: a Solution method, List and defaultdict without imports)
OCCURRENCES = """class Solution:
    def occurrencesOfElement(self, nums: List[int], queries: List[int], x: int) -> List[int]:
        positions = defaultdict(list)
        for idx, num in enumerate(nums):
            positions[num].append(idx)
        xs = positions[x]
        return [xs[k - 1] if k <= len(xs) else -1 for k in queries]
"""
OCCURRENCES_WRONG = """class Solution:
    def occurrencesOfElement(self, nums: List[int], queries: List[int], x: int) -> List[int]:
        return [x] * len(queries)
"""
# outputs are the JSON text of the returned list: compared as strings, correct code would fail
LCB_CASES = [
    {"input": "[1, 3, 1, 7]\n[1, 3, 2, 4]\n1", "output": "[0, -1, 2, -1]", "testtype": "functional"},
    {"input": "[1, 2, 3]\n[10]\n5", "output": "[-1]", "testtype": "functional"},
]
MERGE = """def merge_intervals(iv):
    iv = sorted(iv)
    out = [iv[0]]
    for a, b in iv[1:]:
        if a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
"""
SUM = "a, b = map(int, input().split())\nprint(a + b)\n"
PRODUCT = "a, b = map(int, input().split())\nprint(a * b)\n"

FORMS = [
    Form("LiveCodeBench functional cases (rLLM / DeepCoder ground truth, JSON text)",
         json.dumps([dict(c, metadata={"func_name": "occurrencesOfElement"}) for c in LCB_CASES]), OCCURRENCES, OCCURRENCES_WRONG),
    Form("LiveCodeBench row (public/private test cases, metadata as JSON text)",
         {"question_id": "510", "public_test_cases": json.dumps(LCB_CASES[:1]), "private_test_cases": json.dumps(LCB_CASES[1:]),
          "metadata": json.dumps({"func_name": "occurrencesOfElement"})}, OCCURRENCES, OCCURRENCES_WRONG),
    Form("DeepCoder row (tests as JSON text, func_name in its metadata)",
         {"problem": "...", "tests": json.dumps(LCB_CASES), "metadata": {"func_name": "occurrencesOfElement"}}, OCCURRENCES, OCCURRENCES_WRONG),
    Form("DeepCoder stdin_stdout cases",
         json.dumps([{"input": "1 2\n", "output": "3\n", "testtype": "stdin_stdout"}, {"input": "5 7\n", "output": "12\n", "testtype": "stdin"}]),
         SUM, PRODUCT),
    Form("APPS call-based, fn_name with inputs and outputs as strings (verl's fn_name mode)",
         json.dumps({"fn_name": "add_binary", "inputs": ["1\n2", "2\n3"], "outputs": ['"11"', '"101"']}),
         "def add_binary(a, b):\n    return bin(a + b)[2:]\n", "def add_binary(a, b):\n    return bin(a * b)[2:]\n"),
    Form("APPS/TACO row: input_output text, fn_name, outputs in one-element lists",
         {"problem_id": 1, "input_output": json.dumps({"fn_name": "is_anagram", "inputs": [["foefet", "toffee"], ["dumble", "bumble"]],
                                                        "outputs": [[True], [False]]})},
         "def is_anagram(test, original):\n    return sorted(original.lower()) == sorted(test.lower())\n",
         "def is_anagram(test, original):\n    return sorted(original.lower()) != sorted(test.lower())\n"),
    Form("verl assert_case with the \"\" / None padding verl adds",
         {"fn_name": "merge_intervals", "inputs": ["", ""], "outputs": [None, None],
          "assert_case": ["assert merge_intervals([(1, 2), (2, 3), (3, 4)]) == [(1, 4)]",
                          "assert merge_intervals([(0, 1), (3, 5), (4, 7)]) == [(0, 1), (3, 7)]"]},
         MERGE, "def merge_intervals(iv):\n    return iv\n"),
    Form("stdin/stdout (verl / APPS inputs and outputs)",
         json.dumps({"inputs": ["1 2\n", "5 7\n"], "outputs": ["3\n", "12\n"]}), SUM, PRODUCT),
]


def fence(code: str) -> str:
    return f"Here is my solution.\n```python\n{code}```\n"


def tool_calling(code: str, tried: Optional[str] = None) -> List[Dict[str, Any]]:
    """A TRL conversational completion with tool calls that ends with the tool's result (cut off at
    max_completion_length): the program is the last assistant message with code."""
    def call(c: str) -> Dict[str, Any]:
        return {"type": "function", "function": {"name": "run_python", "arguments": {"code": c}}}

    turns: List[Dict[str, Any]] = []
    if tried is not None:
        turns += [{"role": "assistant", "content": f"Let me try.\n{fence(tried)}", "tool_calls": [call(tried)]},
                  {"role": "tool", "name": "run_python", "content": "Traceback (most recent call last): ..."}]
    return turns + [{"role": "assistant", "content": fence(code), "tool_calls": [call(code)]},
                    {"role": "tool", "name": "run_python", "content": "ok"}]


PROMPT = [{"role": "user", "content": "Solve the problem."}]


def verl_dict(row: Dict[str, Any]) -> Dict[str, Any]:
    """What the server's /verl/compute_score makes of a /score result row."""
    return {"score": row["reward"], "dense": row["dense"], "outcome": row["outcome"],
            "pass_rate": sum(row["passed"]) / len(row["passed"]), "verpo_advantage": row["advantage"], "error": ""}


@unittest.skipUnless(URL, "set VERPO_TEST_URL to a running verpo serve (and VERPO_TEST_TOKEN to its token)")
class LabelForms(unittest.TestCase):
    def client(self, **kwargs: Any) -> vc.VerpoClient:
        return vc.VerpoClient(URL, token=TOKEN, backoff=0.05, **kwargs)

    def server_rows(self, label: Any, completions: List[Any], options: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
        """The server's /score for one group of this label and these completions."""
        r = self.client().post("/score", {"problems": [{"id": 0, "label": label, "completions": completions}], "options": options or {}})
        (res,) = r["results"]
        self.assertIsNone(res["error"])
        rows: List[Dict[str, Any]] = res["rollouts"]
        return rows

    def test_verl_compute_score(self) -> None:
        for form in FORMS:
            with self.subTest(form.name):
                sols = [fence(form.right), fence(form.wrong)]
                passing = vc.compute_score(["ds", "ds"], sols, [form.label] * 2, None, client=self.client(), scheme="pass-rate")
                self.assertEqual([x["score"] for x in passing], [1.0, 0.0])
                self.assertEqual([x["error"] for x in passing], ["", ""])
                out = vc.compute_score(["ds", "ds"], sols, [form.label] * 2, [{"index": 0}, {"index": 1}], client=self.client())
                self.assertEqual(out, [verl_dict(r) for r in self.server_rows(form.label, sols)])
                self.assertEqual(out[0]["pass_rate"], 1.0)
                self.assertEqual(out[0]["outcome"], 1.0)
                self.assertEqual(out[1]["score"], 0.0)
                self.assertTrue(all(isinstance(x[k], float) for x in out for k in ("score", "dense", "outcome", "pass_rate", "verpo_advantage")))
                route = self.client().post("/verl/compute_score", {"data_sources": ["ds", "ds"], "solution_strs": sols,
                                                                   "ground_truths": [form.label] * 2, "extra_infos": [{"index": 0}, {"index": 1}]})
                self.assertEqual(out, route)

    def test_trl_reward_plain_and_conversational_with_tool_calls(self) -> None:
        for form in FORMS:
            kinds: List[Tuple[str, List[Any]]] = [("plain", [fence(form.right), fence(form.wrong)]),
                                                  ("tool calling", [tool_calling(form.right, tried=form.wrong), tool_calling(form.wrong)])]
            for kind, completions in kinds:
                with self.subTest(f"{form.name}, {kind}"):
                    labels = [form.label] * 2
                    passing = vc.make_trl_reward(self.client(), options={"scheme": "pass-rate"})(
                        prompts=[PROMPT] * 2, completions=completions, ground_truth=labels, completion_ids=[[1], [2]])
                    self.assertEqual(passing, [1.0, 0.0])
                    rewards = vc.make_trl_reward(self.client())(prompts=[PROMPT] * 2, completions=completions, ground_truth=labels)
                    self.assertEqual(rewards, [r["reward"] for r in self.server_rows(form.label, completions)])
                    self.assertEqual(rewards[1], 0.0)
                    route = self.client().post("/trl/reward", {"prompts": [PROMPT] * 2, "completions": completions, "ground_truth": labels})
                    self.assertEqual(rewards, route["rewards"])

    def test_every_form_in_one_batch_in_many_chunks_as_each_alone(self) -> None:
        sources: List[str] = []
        sols: List[str] = []
        labels: List[Any] = []
        for i, form in enumerate(FORMS):
            sources += [f"form{i}"] * 2
            sols += [fence(form.right), fence(form.wrong)]
            labels += [form.label] * 2
        out = vc.compute_score(sources, sols, labels, None, client=self.client(chunk_size=3, parallel=3), scheme="pass-rate")
        self.assertEqual([x["score"] for x in out], [1.0, 0.0] * len(FORMS))
        route = self.client().post("/verl/compute_score", {"data_sources": sources, "solution_strs": sols, "ground_truths": labels, "scheme": "pass-rate"})
        self.assertEqual(out, route)

    def test_labels_that_cannot_be_scored_fail_their_samples_as_the_routes_say(self) -> None:
        stdio = FORMS[-1]
        labels: List[Any] = [stdio.label, stdio.label, "", "", '{"inputs": ["1"', {"inputs": [], "outputs": []},
                             [{"input": "1", "output": "not json", "testtype": "functional", "metadata": {"func_name": "f"}}], stdio.label]
        sols = [fence(stdio.right), fence(stdio.wrong), fence(SUM), fence(SUM), fence(SUM), fence(SUM), fence(SUM), fence(stdio.right)]
        out = vc.compute_score(["ds"] * len(sols), sols, labels, None, client=self.client(chunk_size=2, parallel=2))
        route = self.client().post("/verl/compute_score", {"data_sources": ["ds"] * len(sols), "solution_strs": sols, "ground_truths": labels})
        self.assertEqual(out, route)
        self.assertEqual([x["error"] != "" for x in out], [False, False, True, True, True, True, True, False])
        self.assertRegex(out[2]["error"], r"^samples 2\.\.3: label: is empty")
        self.assertEqual(out[2], out[3])
        self.assertRegex(out[4]["error"], r"^sample 4: label: expected JSON text")
        self.assertRegex(out[5]["error"], r"^sample 5: label\.inputs: is empty")
        self.assertEqual(out[6]["error"], 'sample 6: label[0].output: expected a JSON value, got the string "not json"')
        for x in out[2:7]:
            self.assertEqual({k: v for k, v in x.items() if k != "error"},
                             {"score": 0.0, "dense": 0.0, "outcome": 0.0, "pass_rate": 0.0, "verpo_advantage": 0.0})
        self.assertEqual(out[7]["pass_rate"], 1.0)

        completions: List[Any] = [tool_calling(stdio.right), tool_calling(stdio.wrong)] + [fence(SUM)] * 5 + [tool_calling(stdio.right)]
        rewards = vc.make_trl_reward(self.client(chunk_size=2, parallel=2))(prompts=[PROMPT] * len(sols), completions=completions, ground_truth=labels)
        route = self.client().post("/trl/reward", {"prompts": [PROMPT] * len(sols), "completions": completions, "ground_truth": labels})
        self.assertEqual(rewards, route["rewards"])
        self.assertEqual([r is None for r in rewards], [False, False, True, True, True, True, True, False])


if __name__ == "__main__":
    unittest.main()
