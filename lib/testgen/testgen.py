"""verpo testgen: the TRUSTED side of task 'tests'. It parses Python (the focal program, given mutants, the
model-written test files) with the standard library's `ast` and compiles test chunks, and never executes
any of it: no exec, no eval, no import of what it reads.

One request as JSON on stdin, one JSON reply on stdout:
  request  {"focal": str, "mutants": [str] | null, "cap": int, "seed": int, "tests": [str], "names_from": str}
  reply    {"focal": {"ok", "error"?, "lines": [[first, last], ...], "branches": [...], "names": [...]},
            "mutants": [{"code", "op", "line", "what"}], "dropped": {"identical", "duplicate", "invalid"},
            "available": int, "files": [{"ok", "error"?, "tests": [str], "notes": [str]}]}

Mutants (when the request gives none) come from the focal's function bodies: comparison flips, arithmetic
and boolean operator swaps, integer constants +/- 1 and boolean constants flipped, negated if/while
conditions, return values replaced by None, statements replaced by `pass`. Every site of every operator is
enumerated in source order; a seeded shuffle per operator, then a round robin over the operators, picks
`cap` of them, so a small cap still spreads over the operators. A mutant whose tree equals the focal's, or
an earlier mutant's, is dropped and counted.

Coverage sites of the focal (its function bodies only: top-level code runs when the program loads, before
any test): a statement unit is the set of lines a line event of it can carry (a simple statement's lines, a
compound statement's header lines); a branch point (if/elif, while, for) has a true outcome (the next line
is in the first statement of its body) and a false one (any other next line, or the frame's exit).
"""

import ast
import json
import random
import sys
from copy import deepcopy

MAX_TESTS_PER_FILE = 64
OPERATORS = ('cmp', 'arith', 'bool', 'const', 'negate', 'return', 'delete')

_CMP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
        ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}
_ARITH = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.FloorDiv, ast.FloorDiv: ast.Mult, ast.Div: ast.Mult,
          ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult, ast.BitAnd: ast.BitOr, ast.BitOr: ast.BitAnd,
          ast.LShift: ast.RShift, ast.RShift: ast.LShift}
_SYMBOL = {ast.Lt: '<', ast.LtE: '<=', ast.Gt: '>', ast.GtE: '>=', ast.Eq: '==', ast.NotEq: '!=', ast.Is: 'is',
           ast.IsNot: 'is not', ast.In: 'in', ast.NotIn: 'not in', ast.Add: '+', ast.Sub: '-', ast.Mult: '*',
           ast.FloorDiv: '//', ast.Div: '/', ast.Mod: '%', ast.Pow: '**', ast.BitAnd: '&', ast.BitOr: '|',
           ast.LShift: '<<', ast.RShift: '>>', ast.And: 'and', ast.Or: 'or'}
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _parse(src, name):
    try:
        return ast.parse(src, name), None
    except (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError) as e:
        if isinstance(e, SyntaxError):
            return None, '%s: %s (line %s)' % (type(e).__name__, e.msg, e.lineno)
        return None, '%s: %s' % (type(e).__name__, e)


def _in_functions(tree):
    """The nodes inside function bodies (nested ones included), in ast.walk order of the whole tree."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, _FUNCS):
            for stmt in node.body:
                for sub in ast.walk(stmt):
                    inside.add(id(sub))
    return inside


def _is_docstring(stmt, body):
    return (body and stmt is body[0] and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str))


def _bodies(node):
    for field in ('body', 'orelse', 'finalbody'):
        b = getattr(node, field, None)
        if isinstance(b, list) and b and isinstance(b[0], ast.stmt):
            yield b
    for h in getattr(node, 'handlers', None) or ():
        yield h.body


def _sites(tree):
    """(operator, walk index, variant, line, what) for every mutation site, in source order."""
    inside = _in_functions(tree)
    nodes = list(ast.walk(tree))
    docstrings = set()
    for node in nodes:
        for body in _bodies(node):
            if isinstance(node, (ast.Module, ast.ClassDef) + _FUNCS) and _is_docstring(body[0], body):
                docstrings.add(id(body[0]))
    out = []
    for i, node in enumerate(nodes):
        if id(node) not in inside:
            continue
        line = getattr(node, 'lineno', 0)
        if isinstance(node, ast.Compare):
            for j, op in enumerate(node.ops):
                if type(op) in _CMP:
                    out.append(('cmp', i, j, line, '%s -> %s' % (_SYMBOL[type(op)], _SYMBOL[_CMP[type(op)]])))
        elif isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in _ARITH:
            out.append(('arith', i, 0, line, '%s -> %s' % (_SYMBOL[type(node.op)], _SYMBOL[_ARITH[type(node.op)]])))
        elif isinstance(node, ast.BoolOp):
            out.append(('bool', i, 0, line, '%s -> %s' % (_SYMBOL[type(node.op)], 'or' if isinstance(node.op, ast.And) else 'and')))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            out.append(('bool', i, 0, line, 'not removed'))
        elif isinstance(node, ast.Constant) and id(node) not in docstrings:
            v = node.value
            if isinstance(v, bool):
                out.append(('const', i, 0, line, '%r -> %r' % (v, not v)))
            elif isinstance(v, int):
                out.append(('const', i, 1, line, '%r -> %r' % (v, v + 1)))
                out.append(('const', i, -1, line, '%r -> %r' % (v, v - 1)))
        if isinstance(node, (ast.If, ast.While)):
            out.append(('negate', i, 0, line, 'condition negated'))
        if isinstance(node, ast.Return) and node.value is not None and not (
                isinstance(node.value, ast.Constant) and node.value.value is None):
            out.append(('return', i, 0, line, 'returns None'))
        for bi, body in enumerate(_bodies(node)):
            for k, stmt in enumerate(body):
                if id(stmt) in inside and id(stmt) not in docstrings and not isinstance(stmt, (ast.Pass,) + _FUNCS + (ast.ClassDef,)):
                    out.append(('delete', i, (bi, k), stmt.lineno, 'statement deleted'))
    return out


class _Replace(ast.NodeTransformer):
    def __init__(self, target, new):
        self.target, self.new = target, new

    def visit(self, node):
        if node is self.target:
            return self.new
        return self.generic_visit(node)


def _apply(tree, site):
    """A mutated copy of the tree (ast.walk of a copy visits its nodes in the same order)."""
    op, i, variant, _, _ = site
    copy = deepcopy(tree)
    nodes = list(ast.walk(copy))
    node = nodes[i]
    if op == 'cmp':
        node.ops[variant] = _CMP[type(node.ops[variant])]()
    elif op == 'arith':
        node.op = _ARITH[type(node.op)]()
    elif op == 'bool':
        if isinstance(node, ast.BoolOp):
            node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        else:
            copy = _Replace(node, node.operand).visit(copy)
    elif op == 'const':
        node.value = (not node.value) if isinstance(node.value, bool) else node.value + variant
    elif op == 'negate':
        node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)
    elif op == 'return':
        node.value = ast.Constant(value=None)
    elif op == 'delete':
        bi, k = variant
        list(_bodies(node))[bi][k] = ast.Pass()
    return ast.fix_missing_locations(copy)


def mutants_of(tree, cap, seed):
    base = ast.dump(tree)
    sites = _sites(tree)
    rng = random.Random(seed)
    groups = {op: [s for s in sites if s[0] == op] for op in OPERATORS}
    for op in OPERATORS:
        rng.shuffle(groups[op])
    seen, out = {base}, []
    dropped = {'identical': 0, 'duplicate': 0, 'invalid': 0}
    while len(out) < cap and any(groups.values()):
        for op in OPERATORS:
            if len(out) >= cap or not groups[op]:
                continue
            site = groups[op].pop(0)
            try:
                mutated = _apply(tree, site)
                code = ast.unparse(mutated) + '\n'
                compile(code, 'mutant.py', 'exec', dont_inherit=True)  # compiled, never run
            except Exception:
                dropped['invalid'] += 1
                continue
            if _is_new(mutated, base, seen, dropped):
                out.append({'code': code, 'op': site[0], 'line': site[3], 'what': site[4]})
    return out, dropped, len(sites)


def _is_new(tree, base, seen, dropped):
    """A mutant's tree differs from the focal's and every earlier mutant's (else it is dropped and counted)."""
    d = ast.dump(tree)
    if d in seen:
        dropped['identical' if d == base else 'duplicate'] += 1
        return False
    seen.add(d)
    return True


def given_mutants(tree, mutants):
    base = ast.dump(tree)
    seen, out = {base}, []
    dropped = {'identical': 0, 'duplicate': 0, 'invalid': 0}
    for i, m in enumerate(mutants):
        t, err = _parse(m, 'mutant.py') if isinstance(m, str) else (None, 'not a string')
        if t is not None:
            try:
                compile(m, 'mutant.py', 'exec', dont_inherit=True)  # compiled, never run
            except (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError):
                t = None
        if t is None:
            dropped['invalid'] += 1  # a mutant that does not parse would be "killed" by every test
            continue
        if _is_new(t, base, seen, dropped):
            out.append({'code': m, 'op': 'given', 'line': 0, 'what': 'given', 'index': i})
    return out, dropped


def _unit_lines(stmt):
    """The lines a line event of this statement can carry: a simple statement's, a compound one's header."""
    first = stmt.lineno
    children = [b[0].lineno for b in _bodies(stmt)]
    if children:
        last = min(children) - 1
        if last < first:  # a one-line compound statement (`if x: return 1`)
            last = first
        return first, last
    return first, stmt.end_lineno or first


def coverage_sites(tree):
    units, branches = [], []
    for fn in ast.walk(tree):
        if not isinstance(fn, _FUNCS):
            continue
        stack = [fn.body]
        while stack:
            body = stack.pop()
            for stmt in body:
                if _is_docstring(stmt, body) and body is fn.body:
                    continue
                if isinstance(stmt, _FUNCS + (ast.ClassDef,)):
                    units.append(list(_unit_lines(stmt)))  # its def line runs with the outer function
                    continue  # its body is its own function's (the walk reaches it)
                if isinstance(stmt, (ast.Try, getattr(ast, 'TryStar', ast.Try))):
                    # `try:` has a line event on some CPython versions only: its body and handlers count
                    for h in stmt.handlers:
                        units.append([h.lineno, max(h.lineno, h.body[0].lineno - 1)])
                elif not isinstance(stmt, (ast.Global, ast.Nonlocal)):
                    units.append(list(_unit_lines(stmt)))
                if isinstance(stmt, (ast.If, ast.While, ast.For, ast.AsyncFor)):
                    head = stmt.test if isinstance(stmt, (ast.If, ast.While)) else stmt.iter
                    hfirst, hlast = stmt.lineno, head.end_lineno or stmt.lineno
                    b0 = stmt.body[0]
                    bfirst, blast = _unit_lines(b0)
                    if bfirst > hlast:  # a body on the header's line cannot be told from the header
                        branches.append({'line': stmt.lineno, 'kind': type(stmt).__name__.lower(),
                                         'head': [hfirst, hlast], 'body': [bfirst, blast]})
                stack.extend(_bodies(stmt))
    units.sort()
    branches.sort(key=lambda b: b['line'])
    return units, branches


def top_level_names(tree):
    names = set()
    for stmt in tree.body:
        if isinstance(stmt, _FUNCS + (ast.ClassDef,)):
            names.add(stmt.name)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]):
                if isinstance(t, ast.Name):
                    names.add(t.id)
    return names


def _contains_assert(stmt):
    return any(isinstance(n, ast.Assert) for n in ast.walk(stmt))


def split_file(src, focal_names):
    """A model-written test file -> its tests: each top-level statement holding an assert (and each top-level
    `def test_*()` holding one, called), with the non-assert statements before it as context. A top-level
    `from M import names` naming only the focal's own names is dropped (the program's names are there)."""
    tree, err = _parse(src, '<tests>')
    if tree is None:
        return {'ok': False, 'error': err, 'tests': [], 'notes': []}
    lines = src.splitlines()
    seg = lambda s: '\n'.join(lines[_start(s) - 1:s.end_lineno])
    context, tests, notes = [], [], []
    for stmt in tree.body:
        if (isinstance(stmt, ast.ImportFrom) and stmt.level == 0 and stmt.names and
                all(a.name in focal_names and a.asname in (None, a.name) for a in stmt.names)):
            notes.append('line %d: `from %s import ...` names the program\'s own names: dropped' % (stmt.lineno, stmt.module))
            continue
        if (isinstance(stmt, _FUNCS) and stmt.name.startswith('test') and not stmt.args.args and
                not stmt.args.posonlyargs and not stmt.args.kwonlyargs and _contains_assert(stmt)):
            call = ('import asyncio\nasyncio.run(%s())' if isinstance(stmt, ast.AsyncFunctionDef) else '%s()') % stmt.name
            tests.append('\n'.join(context + [seg(stmt), call]) + '\n')
        elif _contains_assert(stmt) and not isinstance(stmt, _FUNCS + (ast.ClassDef,)):
            tests.append('\n'.join(context + [seg(stmt)]) + '\n')
        else:
            context.append(seg(stmt))
    if len(tests) > MAX_TESTS_PER_FILE:
        notes.append('%d tests: the first %d are run' % (len(tests), MAX_TESTS_PER_FILE))
        tests = tests[:MAX_TESTS_PER_FILE]
    for t in tests:
        try:
            compile(t, '<test>', 'exec', dont_inherit=True)  # compiled, never run
        except (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError) as e:
            return {'ok': False, 'error': 'a test does not compile: %s: %s' % (type(e).__name__, getattr(e, 'msg', e)),
                    'tests': [], 'notes': notes}
    if not tests:
        notes.append('no top-level assert (nor a def test_*() holding one): 0 tests')
    return {'ok': True, 'tests': tests, 'notes': notes}


def _start(stmt):
    decos = getattr(stmt, 'decorator_list', None) or []
    return min([stmt.lineno] + [d.lineno for d in decos])


def handle(req):
    focal = req.get('focal')
    if focal is None:  # a co-evolution line: no focal program, the programs' own names for the test files
        names = set()
        for src in req.get('programs') or []:
            t, _ = _parse(src, 'solution.py')
            if t is not None:
                names |= top_level_names(t)
        return {'files': [split_file(src, names) for src in req.get('tests') or []]}
    tree, err = (None, 'no focal program') if not isinstance(focal, str) else _parse(focal, 'solution.py')
    reply = {'focal': {'ok': tree is not None}, 'files': []}
    names = set()
    if tree is None:
        reply['focal']['error'] = err
    else:
        try:
            compile(focal, 'solution.py', 'exec', dont_inherit=True)
        except (SyntaxError, ValueError) as e:
            reply['focal'] = {'ok': False, 'error': '%s: %s' % (type(e).__name__, getattr(e, 'msg', e))}
            tree = None
    if tree is not None:
        units, branches = coverage_sites(tree)
        names = top_level_names(tree)
        reply['focal'].update({'lines': units, 'branches': branches})
        if req.get('mutants') is None:
            muts, dropped, available = mutants_of(tree, int(req.get('cap', 16)), int(req.get('seed', 0)))
        else:
            (muts, dropped), available = given_mutants(tree, req['mutants']), len(req['mutants'])
        reply.update({'mutants': muts, 'dropped': dropped, 'available': available})
    for src in req.get('tests') or []:
        reply['files'].append(split_file(src, names) if isinstance(src, str) else
                              {'ok': False, 'error': 'not a string', 'tests': [], 'notes': []})
    return reply


def main():
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # a pathological source fails here, not the host
    except (ImportError, ValueError, OSError):
        pass
    sys.setrecursionlimit(10000)
    req = json.loads(sys.stdin.buffer.read())
    try:
        out = handle(req)
    except RecursionError:
        out = {'error': 'a source nests too deeply to be parsed'}
    except MemoryError:
        out = {'error': 'a source is too large to be parsed'}
    sys.stdout.write(json.dumps(out))


if __name__ == '__main__':
    main()
