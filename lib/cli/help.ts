// Help texts, one per command.
export const HELP: Record<string, string> = {
  main: `verpo: run code rollouts against unit tests in a sandbox and turn the results into rewards.

Usage: verpo <command> [options]

Commands:
  demo [--problems N] [--out FILE]  score the bundled HumanEval with sample rollouts: the main job, end to end
  score [in.jsonl] [-o out.jsonl]   execute every rollout, then rewards and advantages (VeRPO by default)
  run [in.jsonl] [-o out.jsonl]     execute only: the verdict matrix per problem, no rewards
  convert <dataset> <file>          dataset file (plain or gzipped) to the JSONL contract
  serve [--host H] [--port P]       the reward server (HTTP) that trainers call
  report scored.jsonl... -o F.html  one self-contained HTML page of plots from scored JSONL
  bench [reward|executor|scope|pipeline|server|shaping|testgen]  the benchmarks (writes bench/RESULTS.md when all run)

Input and output are JSONL, one problem group per line (see the README, "JSONL contract").
Results go to stdout (or -o) in input order; progress and the summary go to stderr.
Run 'verpo <command> --help' for a command's options.`,
  score: `Usage: verpo score [in.jsonl|-] [-o out.jsonl] [options]

Executes each line's rollouts (or turns) against its tests, then computes rewards and advantages.
Lines that carry a precomputed "passed" matrix are only scored. Input may be gzipped.

Reward options:
  --scheme verpo|verpo-difficulty|pass-rate|binary   (default verpo)
  --alpha N     difficulty sharpness, > 0 (default 2)
  --beta N      weight of the dense advantage, >= 0 (default 1)
  --gamma N     per-turn outcome decay, in (0, 1] (default 1)
  --delta N     density stabiliser, >= 0 (default 1e-6)
  --advantage verpo|grpo|dr-grpo|rloo   (default: verpo for verpo schemes, grpo otherwise)
  --backend auto|native|js              reward kernel backend (default auto)
  --lint        lint each Python rollout with Ruff: "lint" on every output row (reported, not rewarded)
  --style-weight N   reward += N * the style score in [-1, 0] (default 0); turns --lint on
  --reward-profile tests|lint|combined   the scheme's reward (default), the style score alone, or both
  --efficiency-weight N   reward += N * efficiency against a line's "reference" (default 0: reported)
  --efficiency-repeats N  measurements per program, median used (default 3)
  --efficiency-floor-ms N no efficiency below this reference CPU over the tests (default 50 ms)
  --test-reward default|mutation|coverage|utrl|cure   reward of a task "tests" line's test files (default:
                validity x (0.75 kill rate + 0.25 coverage); docs/tests-task.md)
Execution options:
  --concurrency N   tests running at once (default: the number of cores)
  --python PATH     interpreter (default /usr/bin/python3 when present)
  --cpu-ms N --wall-ms N --memory-mb N --output-kb N   default limits per test (a line's "limits" override them)
  --tmpfs-mb N --inodes N   size and files of each test's own /tmp and /dev/shm (default: memory + 1/8 + 16 MiB;
                    4096); every limit's default and ceiling: lib/exec/limits.ts
  --no-cache        run duplicate rollouts again instead of reusing their verdicts
  --no-site-packages  programs import the standard library only (default: also the interpreter's
                    installed packages)
  --stop-after-failure  a program's tests after its first failing one are not run: SKIPPED (verpo run, or
                    --scheme binary, where one failure decides the result)
  --mutants N       task "tests": mutants generated from a focal program without "mutants" (default 16)
  --mutant-seed N   seed of their choice among the mutation sites (default 0)
  --no-coverage     task "tests": do not trace the focal program's lines and branches
  --scope rollout|test  rollout (default): a program's tests share one sandboxed process (its top level runs
                    once; each test keeps its own verdict and limits; README "Rollout scope"); test: one per test
  --cache-mb N      bound of that cache of cells, MiB (default 256; least recently used go first)
  --cxx PATH        C++ compiler for "language": "cpp" lines and C++ checkers (default $VERPO_CXX,
                    else /usr/bin/g++, else g++ on PATH; without one their cells are IE saying so)
  --cxx-flags "F"   its flags, one argument (default "-O2 -std=gnu++17 -DONLINE_JUDGE", as Codeforces)
  --testlib PATH    testlib.h (or its directory) for C++ checkers that include it (default $VERPO_TESTLIB)
Output:
  -o, --output FILE   write results here instead of stdout
  --resume            continue an interrupted run: keep FILE's complete lines, skip those input lines
                      (their ids must be the input's, in order: another input's output is refused)
  -q, --quiet         no progress or summary on stderr
Input is UTF-8 (a leading BOM is dropped); a line that is not valid UTF-8 gets an error line.
Exit status: 0 when every line was scored, 1 when any line failed (its output line says why) or the
input could not be read to its end (a truncated .gz: the lines before are scored), 2 on usage errors.`,
  run: `Usage: verpo run [in.jsonl|-] [-o out.jsonl] [options]

Executes each line's rollouts (or turns) against its tests and writes the verdict matrix
({"id", "rollouts": [{"verdicts", "passed"}], "error"}), without rewards.

Options: --concurrency --python --cpu-ms --wall-ms --memory-mb --output-kb --no-cache --cache-mb --no-site-packages
--scope --stop-after-failure --mutants --mutant-seed --no-coverage --cxx --cxx-flags --testlib -o --resume -q
(as for 'verpo score').`,
  convert: `Usage: verpo convert <humaneval|mbpp|apps|codecontests|livecodebench|evalplus|deepcoder|leetcode> <file> [--with-solutions] [-o out.jsonl]

Converts a dataset file (JSONL, or one JSON document: an array of records or a single record, pretty-printed
or not; plain or gzipped) to the JSONL contract.
  --with-solutions             add the dataset's reference solutions as rollouts
  --with-incorrect-solutions   add its known-wrong solutions too (CodeContests)
  --special-judge FILE         apps (TACO records): TACO's output_spj.jsonl; the problems it names (by record
                               index in the split file) get meta.needs_checker
  -o, --output FILE            write here instead of stdout
Malformed records are reported on stderr (line and field), skipped and counted; exit status 1 if any.
HumanEval: check() is split into one test per assert. MBPP: test_list (+ test_setup_code / test_imports).
APPS/TACO: input_output as stdio tests, or call tests when there is an fn_name. CodeContests: public,
private and generated tests as stdio. LiveCodeBench: public and private test cases (stdin or functional).
DeepCoder/rllm rows (problem, tests, starter_code, solutions; code_contests, codeforces, livecodebench and
leetcodedataset, told apart by the shape of tests): stdio or call tests compared as each source's grader
compares, or one assert test per assert of a leetcodedataset check; interactive problems are skipped.
leetcode: DeepSeek-Coder's LeetCode rows (one assert test per case; a rollout is the whole program) and
LeetCodeDataset rows (check split per assert, its prompt as setup, its completion as the reference).
evalplus (MBPP+ and HumanEval+ rows): one assert test per base_input and plus_input, compared as evalplus's
grader compares; the expected outputs come from running each canonical solution once in the sandbox, and
are cached by content, so converting again runs nothing.
  --evalplus-tests base|plus|all   which inputs become tests (default all, base first)
  --evalplus-cache DIR             the expected-output cache (default: $XDG_CACHE_HOME/verpo/evalplus,
                                   else ~/.cache/verpo/evalplus; ~/Library/Caches/verpo/evalplus on macOS)
  --no-evalplus-cache              compute every expected output and keep none
  --python PATH, --concurrency N   the interpreter of those runs, and how many run at once
An input that gets no test (the canonical solution raises on it or returns other than builtin data, a NaN
expected...) is reported on stderr with its reason and listed in the line's meta.skipped_inputs; it does
not change the exit status.`,
  demo: `Usage: verpo demo [--problems N] [--out FILE] [--concurrency N] [--python PATH] [-q]

Scores the bundled HumanEval (164 problems, MIT) as a trainer's step would: each problem gets its
canonical solution, a body of \`return None\`, one that crashes, and the canonical with its first integer
literal off by one (when it has one); every rollout runs against the problem's split asserts in the
sandbox, then VeRPO rewards and advantages. Shows the progress bar and the summary, writes one scored
line per problem and prints its path.
  --problems N        only the first N problems (default all 164)
  -o, --out FILE      where the scored JSONL goes (default: a new directory in the temp dir)
  --concurrency N     tests running at once (default: the number of cores)
  --python PATH       interpreter (default /usr/bin/python3 when present)
  -q, --quiet         no progress or summary on stderr (the path still goes to stdout)
Exit status: 0 when every line was scored and every canonical solution passed, 1 otherwise.`,
  report: `Usage: verpo report <scored.jsonl|name=scored.jsonl>... -o report.html [--title T] [-q]

One self-contained HTML file (Chart.js inlined: nothing is fetched when it is opened) from the output of
'verpo score': per input (a series, e.g. one file per scheme; name=path names it, else its file name) the
reward and advantage distributions, the verdict histogram, each test's weight against its pass rate, the lint
profile (score with --lint) and the held-out gap of lines with hidden tests, beside a table of lines, rows,
mean reward and zero-advantage share. Lines that are not JSON count as error lines. Prints the file's path.`,
  bench: `Usage: verpo bench [reward] [executor] [scope] [pipeline] [server] [shaping] [testgen]

Runs the benchmarks and prints markdown tables; with no names it runs all and writes bench/RESULTS.md
(minutes on a 2-core host; testgen, task 'tests' groups, alone takes ~10 on a slow one).`,
};
