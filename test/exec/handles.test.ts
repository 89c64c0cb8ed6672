// Objects in call and assert tests (issue 12, item 5), in both modes through the real sandbox: builtin classes as
// values, program objects as handles (attribute reads and writes, method calls, iteration), a trusted setup's
// objects sent to the program by value and written back, equality decided by the judge on the objects' data, and
// the truth value of a program object not judged in test code. Correct programs of these shapes are AC; objects
// that lie about equality or truth are not.
import { describe, expect, it } from 'vitest';
import type { TestCase, TestResult } from '../../lib/exec';
import { hostCheckedExecutor } from './host';

const assertTest = (code: string): TestCase => ({ type: 'assert', code });
const show = (ts: TestResult[]) => ts.map((t) => `${t.verdict}: ${t.detail ?? ''}`).join('\n');
const verdicts = (ts: TestResult[]) => ts.map((t) => t.verdict);

// LeetCode's trusted setup: the ListNode class and the helpers that build and read lists.
const LIST_SETUP = `
class ListNode:
    def __init__(self, val=0, next=None):
        self.val = val
        self.next = next
def list_to_node(xs):
    head = None
    for x in reversed(xs):
        head = ListNode(x, head)
    return head
def node_to_list(node):
    out = []
    while node:
        out.append(node.val)
        node = node.next
    return out
`;

const LIST_SOLUTION = `
class Solution:
    def addTwoNumbers(self, l1, l2):
        dummy = cur = ListNode(0)
        carry = 0
        while l1 or l2 or carry:
            s = carry + (l1.val if l1 else 0) + (l2.val if l2 else 0)
            carry, digit = divmod(s, 10)
            cur.next = ListNode(digit)
            cur = cur.next
            l1 = l1.next if l1 else None
            l2 = l2.next if l2 else None
        return dummy.next
    def reverseList(self, head):
        prev = None
        while head:
            head.next, prev, head = prev, head, head.next
        return prev
    def sortValues(self, head):
        vals, node = [], head
        while node:
            vals.append(node.val)
            node = node.next
        node = head
        for v in sorted(vals):
            node.val, node = v, node.next
`;

describe.each(['zygote', 'spawn'] as const)('%s mode', (mode) => {
  const fixture = hostCheckedExecutor(`handles-${mode}`, {
    concurrency: 2, mode, cache: false, limits: { cpuMs: 8000, wallMs: 30000, memoryMb: 512, outputKb: 1024 },
  });
  const run = async (code: string, tests: TestCase[], setup?: string) => (await fixture.ex.run({ language: 'python', code, setup, tests })).tests;

  it('MBPP 533: a builtin class as an argument, and as a result', async () => {
    const code = 'def remove_datatype(test_tuple, data_type):\n  res = []\n  for ele in test_tuple:\n    if not isinstance(ele, data_type):\n      res.append(ele)\n  return (res)\n'
      + 'def kind(x):\n  return type(x)\ndef kinds():\n  return {int: "i", type(None): "n", ValueError: "v"}\n';
    const tests = [
      assertTest('assert remove_datatype((4, 5, 4, 7.7, 1.2), int) == [7.7, 1.2]'),
      assertTest('assert remove_datatype((7, 8, 9, "SR"), str) == [7, 8, 9]'),
      assertTest('assert remove_datatype((1, None, 2.5), (type(None), float)) == [1]'),
      assertTest('assert kind(1) is int and kind("") is str and kind(None) is type(None)'),
      assertTest('assert kinds() == {int: "i", type(None): "n", ValueError: "v"}'),
      assertTest('assert kind(1) is str'),
    ];
    const ts = await run(code, tests);
    expect(verdicts(ts), show(ts)).toEqual(['AC', 'AC', 'AC', 'AC', 'AC', 'WA']);
  });

  it('MBPP 367: a tree built by the test from the program\'s own class, attribute by attribute', async () => {
    const code = 'class Node: \n\tdef __init__(self, data): \n\t\tself.data = data \n\t\tself.left = None\n\t\tself.right = None\n'
      + 'def get_height(root): \n\tif root is None: \n\t\treturn 0\n\treturn max(get_height(root.left), get_height(root.right)) + 1\n'
      + 'def is_tree_balanced(root): \n\tif root is None: \n\t\treturn True\n\tlh = get_height(root.left) \n\trh = get_height(root.right) \n'
      + '\tif (abs(lh - rh) <= 1) and is_tree_balanced( \n\troot.left) is True and is_tree_balanced( root.right) is True: \n\t\treturn True\n\treturn False\n';
    const tree = 'root = Node(1) \nroot.left = Node(2) \nroot.right = Node(3) \nroot.left.left = Node(4) \nroot.left.right = Node(5) \nroot.left.left.left = Node(8) \n';
    const tests = [
      assertTest(`${tree}assert is_tree_balanced(root) == False`),
      assertTest('root1 = Node(1)\nroot1.left = Node(2)\nroot1.right = Node(3)\nassert is_tree_balanced(root1) == True'),
      assertTest(`${tree}assert root.left.left.left.data == 8 and root.right.left is None\nassert get_height(root.left) == 3`),
      assertTest(`${tree}del root.left.left\nassert not hasattr(root.left, "left") and getattr(root.left, "left", 7) == 7`),
      assertTest(`${tree}assert is_tree_balanced(root) == True`),
    ];
    const ts = await run(code, tests);
    expect(verdicts(ts), show(ts)).toEqual(['AC', 'AC', 'AC', 'AC', 'WA']);
  });

  it('MBPP 601: a list of the program\'s objects as an argument', async () => {
    const code = 'class Pair(object): \n\tdef __init__(self, a, b): \n\t\tself.a = a \n\t\tself.b = b \n'
      + 'def max_chain_length(arr, n): \n\tmax = 0\n\tmcl = [1 for i in range(n)] \n\tfor i in range(1, n): \n\t\tfor j in range(0, i): \n'
      + '\t\t\tif (arr[i].a > arr[j].b and\n\t\t\t\tmcl[i] < mcl[j] + 1): \n\t\t\t\tmcl[i] = mcl[j] + 1\n\tfor i in range(n): \n\t\tif (max < mcl[i]): \n\t\t\tmax = mcl[i] \n\treturn max\n'
      + 'def by_b(pairs):\n\tpairs.sort(key=lambda p: p.b)\n';
    const tests = [
      assertTest('assert max_chain_length([Pair(5, 24), Pair(15, 25),Pair(27, 40), Pair(50, 60)], 4) == 3'),
      assertTest('assert max_chain_length([Pair(1, 2), Pair(3, 4),Pair(5, 6), Pair(7, 8)], 4) == 4'),
      assertTest('x, y = Pair(1, 9), Pair(2, 3)\nps = [x, y]\nby_b(ps)\nassert ps[0] is y and ps[1] is x and ps[0].b == 3'),
    ];
    const ts = await run(code, tests);
    expect(verdicts(ts), show(ts)).toEqual(['AC', 'AC', 'AC']);
  });

  it('LeetCode: Solution().twoSum(...) as an assert and as a method of a stored object', async () => {
    const code = 'from typing import List\nclass Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n'
      + '        seen = {}\n        for i, x in enumerate(nums):\n            if target - x in seen:\n                return [seen[target - x], i]\n            seen[x] = i\n';
    const tests = [
      assertTest('assert Solution().twoSum([2,7,11,15], 9) == [0, 1]'),
      assertTest('s = Solution()\nassert s.twoSum([3,2,4], 6) == [1, 2]\nassert s.twoSum([3,3], 6) == [0, 1]'),
      assertTest('assert Solution().twoSum([2,7,11,15], 9) == [1, 0]'),
    ];
    const ts = await run(code, tests);
    expect(verdicts(ts), show(ts)).toEqual(['AC', 'AC', 'WA']);
  });

  it('linked lists both ways through the setup\'s ListNode and helpers', async () => {
    const tests = [
      assertTest('assert node_to_list(Solution().addTwoNumbers(list_to_node([2,4,3]), list_to_node([5,6,4]))) == [7,0,8]'),
      assertTest('assert Solution().addTwoNumbers(list_to_node([2,4,3]), list_to_node([5,6,4])) == list_to_node([7,0,8])'),
      assertTest('assert Solution().addTwoNumbers(list_to_node([9]), list_to_node([9])) != list_to_node([8, 2])'),
      // in place: the program's changes to the test's nodes are written back, and a node it returns is the test's own
      assertTest('h = list_to_node([1, 2, 3])\nt = h.next.next\nr = Solution().reverseList(h)\nassert r is t\nassert node_to_list(r) == [3, 2, 1] and node_to_list(h) == [1]'),
      assertTest('h = list_to_node([3, 1, 2])\nassert Solution().sortValues(h) is None\nassert node_to_list(h) == [1, 2, 3]'),
      assertTest('assert node_to_list(Solution().addTwoNumbers(list_to_node([2,4,3]), list_to_node([5,6,4]))) == [7,0,9]'),
    ];
    const ts = await run(LIST_SOLUTION, tests, LIST_SETUP);
    expect(verdicts(ts), show(ts)).toEqual(['AC', 'AC', 'AC', 'AC', 'AC', 'WA']);
  });

  it('a 10,000-node list goes to the program and comes back', async () => {
    const tests = [
      assertTest('h = list_to_node(list(range(10000)))\nr = Solution().reverseList(h)\nassert r.val == 9999 and node_to_list(r) == list(range(9999, -1, -1))'),
      assertTest('r = Solution().addTwoNumbers(list_to_node([9] * 10000), list_to_node([1]))\nassert r == list_to_node([0] * 10000 + [1])\nassert node_to_list(r) == [0] * 10000 + [1]'),
    ];
    const ts = await run(LIST_SOLUTION, tests, LIST_SETUP);
    expect(verdicts(ts), show(ts)).toEqual(['AC', 'AC']);
  });

  it('a cyclic graph is compared structurally, with the program\'s objects and with the setup\'s', async () => {
    const code = 'class Node:\n    def __init__(self, val):\n        self.val = val\n        self.nbrs = []\n'
      + 'def ring(k, first=0):\n    ns = [Node(first + i) for i in range(k)]\n    for i, n in enumerate(ns):\n        n.nbrs.append(ns[(i + 1) % k])\n    return ns[0]\n';
    const setup = 'class Node:\n    def __init__(self, val):\n        self.val = val\n        self.nbrs = []\n'
      + 'def pair():\n    a, b = Node(0), Node(1)\n    a.nbrs.append(b)\n    b.nbrs.append(a)\n    return a\n';
    const tests = [
      assertTest('assert ring(3) == ring(3)\nr = ring(2)\nassert r.nbrs[0].nbrs[0] is r'),
      assertTest('assert ring(2) == pair() and pair() == ring(2)'),
      assertTest('assert ring(3) != ring(4) and ring(2) != ring(2, 1)'),
      assertTest('assert ring(2, 1) == pair()'),
    ];
    const ts = await run(code, tests, setup);
    expect(verdicts(ts), show(ts)).toEqual(['AC', 'AC', 'AC', 'WA']);
  });

  it('an object whose __eq__ is always true is still WA when compared', async () => {
    const code = 'class Liar:\n    def __eq__(self, other):\n        return True\n    def __ne__(self, other):\n        return False\n'
      + '    def __hash__(self):\n        return 0\n    def __bool__(self):\n        return True\n    def __contains__(self, x):\n        return True\n'
      + 'def f(x):\n    return Liar()\n'
      + 'class E(int):\n    __eq__ = lambda s, o: True\n    __hash__ = int.__hash__\ndef e(x):\n    return E(x)\n';
    const tests = [
      assertTest('assert f(1) == [1, 2]'),
      assertTest('assert f(1) == f(2) == 5'),
      assertTest('assert not (f(1) != 3)'),
      assertTest('assert 42 in f(1)'),
      assertTest('assert e(3) == 4'),
      { type: 'call', fn: 'f', args: [1], expected: [1] },
      assertTest('assert e(3) == e(3) and e(3) != e(4)'), // the same class and data: equal, whatever __eq__ says
    ];
    const ts = await run(code, tests);
    expect(verdicts(ts), show(ts)).toEqual(['WA', 'WA', 'WA', 'RE', 'WA', 'WA', 'AC']);
    for (const t of [ts[0], ts[1], ts[2], ts[4]]) expect(t.detail).toMatch(/^assertion failed/); // compared, not a fault
    expect(ts[3].detail).toMatch(/not iterable/); // `in` iterates the object here: its __contains__ is not asked
  });

  it('assert f(x) with f returning an object is WA; the same walk in setup code is fine', async () => {
    const code = 'class Node:\n    def __init__(self, v, nxt=None):\n        self.v = v\n        self.next = nxt\n    def __bool__(self):\n        return False\n'
      + 'def make(n):\n    head = None\n    for i in range(n):\n        head = Node(i, head)\n    return head\n'
      + 'def method_of(n):\n    return make(n).__init__\n';
    const setup = 'def length(node):\n    n = 0\n    while node:\n        n += 1\n        node = node.next\n    return n\n';
    const tests = [
      assertTest('assert make(3)'),
      assertTest('assert not make(3)'),
      assertTest('assert method_of(1)'),
      assertTest('if make(1):\n    pass'),
      assertTest('assert length(make(3)) == 3 and length(None) == 0'),
      assertTest('assert make(1) is not None and make(2).next.v == 0'),
      // DeepSeek's LeetCode tests walk a returned list with a lambda of their own: a function of the test
      assertTest('_f2 = lambda node: [node.v] + _f2(node.next) if node else []\nassert _f2(make(3)) == [2, 1, 0]'),
      assertTest('assert bool(make(1))'),
      assertTest('assert all(make(1) for _ in range(2))'),
    ];
    const ts = await run(code, tests, setup);
    expect(verdicts(ts), show(ts)).toEqual(['WA', 'WA', 'WA', 'WA', 'AC', 'AC', 'AC', 'WA', 'WA']);
    for (const t of [...ts.slice(0, 4), ...ts.slice(7)]) expect(t.detail).toMatch(/truth value of a program object/);
  });

  it('an re.Match is true (CPython makes every match true); None is false', async () => {
    const code = "import re\nregex = '^[aeiouAEIOU][A-Za-z0-9_]*'\ndef check_str(string):\n\treturn re.search(regex, string)\n";
    const tests = [
      assertTest('assert check_str("annie")'), assertTest('assert not check_str("dawood")'),
      assertTest('assert check_str("Else").group(0) == "Else" and check_str("Else").span() == (0, 4)'),
      assertTest('assert check_str("dawood")'),
    ];
    const ts = await run(code, tests);
    expect(verdicts(ts), show(ts)).toEqual(['AC', 'AC', 'AC', 'WA']);
  });

  it('iteration, len, indexing and str of program objects; the program\'s StopIteration ends only its own iterator', async () => {
    const code = 'def squares(n):\n    return (i * i for i in range(n))\n'
      + 'class Bag:\n    def __init__(self):\n        self.xs = [3, 1, 2]\n    def __len__(self):\n        return len(self.xs)\n'
      + '    def __getitem__(self, i):\n        return self.xs[i]\n    def __iter__(self):\n        return iter(self.xs)\n    def __str__(self):\n        return "Bag%s" % self.xs\n'
      + 'def bag():\n    return Bag()\ndef stop(x):\n    raise StopIteration\n';
    const tests = [
      assertTest('assert list(squares(4)) == [0, 1, 4, 9] and sum(squares(3)) == 5 and 4 in squares(3) and 5 not in squares(3)'),
      assertTest('g = squares(2)\nassert next(g) == 0 and next(g) == 1 and next(g, "end") == "end"'),
      assertTest('b = bag()\nassert len(b) == 3 and b[0] == 3 and sorted(b) == [1, 2, 3] and str(b) == "Bag[3, 1, 2]" and f"{b}" == "Bag[3, 1, 2]"'),
      assertTest('b = bag()\nb[7]'),
      assertTest('assert all(map(stop, [1, 2]))'),
    ];
    const ts = await run(code, tests);
    expect(verdicts(ts), show(ts)).toEqual(['AC', 'AC', 'AC', 'RE', 'RE']);
    expect(ts[3].detail).toMatch(/IndexError/);
  });

  it('a call test whose function returns an object is WA; a closure and a class returned can be called', async () => {
    const code = 'class P:\n    def __init__(self, x):\n        self.x = x\ndef f(x):\n    return P(x)\n'
      + 'def adder(k):\n    return lambda x: x + k\ndef cls():\n    return P\n';
    const tests: TestCase[] = [
      { type: 'call', fn: 'f', args: [1], expected: { x: 1 } },
      assertTest('assert adder(2)(3) == 5 and cls()(4).x == 4 and cls()(4) == f(4)'),
    ];
    const ts = await run(code, tests);
    expect(verdicts(ts), show(ts)).toEqual(['WA', 'AC']);
  });

  it('a graph larger than one snapshot may hold cannot be compared: WA', async () => {
    const code = 'class N:\n    def __init__(self, nxt):\n        self.next = nxt\ndef chain(n):\n    h = None\n    for _ in range(n):\n        h = N(h)\n    return h\n';
    const ts = await run(code, [assertTest('assert chain(100001) == chain(1)')]);
    expect(verdicts(ts), show(ts)).toEqual(['WA']);
    expect(ts[0].detail).toMatch(/more than 100000 objects/);
  });
});
