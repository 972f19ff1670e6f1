"""Safe arithmetic expressions → graphs of `Value`s, for the command line and exercises.

``build("tanh(x*w + b)", {"x": 2, "w": -3, "b": 6.88})`` returns the root Value and the leaf of
each variable. The text is parsed with Python's `ast` module and checked against a whitelist
before anything is built; nothing is ever passed to ``eval``. Allowed:

* numbers (int or float literals) and variable names,
* ``+ - * / **`` and unary ``-`` / ``+``, parentheses,
* calls with one positional argument to ``exp``, ``log``, ``tanh``, ``sigmoid``, ``relu``.

Everything else -- attribute access, subscripts, lambdas, ``__import__``, unknown names used as
functions, keyword arguments, comparisons, strings -- raises `ExpressionError` (a ValueError)
whose message quotes the offending part of the text.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from .._text import quote, shorten
from .value import CONST, Value

__all__ = ["ExpressionError", "FUNCTIONS", "parse", "variable_names", "build"]

FUNCTIONS = ("exp", "log", "tanh", "sigmoid", "relu")
MAX_LENGTH = 10_000  # characters: a command-line expression, not a program
# Nesting levels: keeps evaluation (recursive) far from Python's stack limit. A flat chain of
# one precedence group (a + b - c + ..., a * b / c * ...) is one level however long: it is
# built in a loop, not by recursion.
MAX_DEPTH = 100

_ALLOWED = "numbers, variable names, + - * / **, unary -, and calls to " + ", ".join(FUNCTIONS)
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}

_KIND = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscript",
    ast.Lambda: "lambda",
    ast.Compare: "comparison",
    ast.BoolOp: "boolean operator",
    ast.IfExp: "conditional expression",
    ast.Dict: "dict",
    ast.List: "list",
    ast.Tuple: "tuple",
    ast.Set: "set",
    ast.JoinedStr: "f-string",
    ast.NamedExpr: "assignment expression",
    ast.Starred: "starred expression",
    ast.ListComp: "comprehension",
    ast.GeneratorExp: "generator expression",
    ast.Await: "await",
}


class ExpressionError(ValueError):
    """The expression is not in the allowed language; the message names the offending part."""


_GROUP = {ast.Add: "+", ast.Sub: "+", ast.Mult: "*", ast.Div: "*"}  # precedence groups


def _chain(node: ast.BinOp) -> tuple[ast.expr, list[tuple[ast.operator, ast.expr]]]:
    """``node`` as (first operand, [(operator, operand), ...]): the whole flat chain
    ``a + b - c + ...`` (Python nests it to the left) when the operator is + - * or /, else
    the one operation (``**`` nests to the right, and each level counts)."""
    group = _GROUP.get(type(node.op))
    if group is None:
        return node.left, [(node.op, node.right)]
    steps: list[tuple[ast.operator, ast.expr]] = []
    current: ast.expr = node
    while isinstance(current, ast.BinOp) and _GROUP.get(type(current.op)) == group:
        steps.append((current.op, current.right))
        current = current.left
    steps.reverse()
    return current, steps


def _segment(text: str, node: ast.AST) -> str:
    part = ast.get_source_segment(text, node)
    return shorten(part) if part is not None else type(node).__name__


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.Constant):
        return f"{type(node.value).__name__} literal"
    if isinstance(node, ast.BinOp):
        return f"operator {type(node.op).__name__}"
    if isinstance(node, ast.UnaryOp):
        return f"unary operator {type(node.op).__name__}"
    return _KIND.get(type(node), type(node).__name__)


def parse(text: str) -> ast.Expression:
    """Parse and check ``text``; return its syntax tree (only whitelisted nodes)."""
    if not isinstance(text, str):
        raise TypeError(f"expression must be a str, got {type(text).__name__}: {quote(text)}")
    if not text.strip():
        raise ExpressionError("empty expression: expected e.g. 'tanh(x*w + b)'")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is {len(text)} characters long; limit {MAX_LENGTH}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        raise ExpressionError(f"invalid expression {quote(text)}: {exc.msg}{where}") from None
    except (RecursionError, MemoryError) as exc:
        # CPython's parser gives up on deep nesting (x**x**x... or ((((x)))) with one of
        # these, whose message is empty or about the interpreter, not about the expression.
        raise ExpressionError(
            f"expression cannot be parsed: it is too deeply nested for Python's parser "
            f"({type(exc).__name__}); at most {MAX_DEPTH} levels are allowed"
        ) from None
    except ValueError as exc:  # e.g. a NUL character
        reason = str(exc) or type(exc).__name__
        raise ExpressionError(f"expression cannot be parsed: {reason}") from None
    _check(text.strip(), tree)
    return tree


def _check(text: str, tree: ast.Expression) -> None:
    # Iterative walk with depths, so a hostile nesting cannot overflow the stack here.
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression nests deeper than {MAX_DEPTH} levels")
        bad = _why_not_allowed(node, text)
        if bad:
            raise ExpressionError(f"not allowed in an expression: {bad} (allowed: {_ALLOWED})")
        if isinstance(node, ast.BinOp):
            first, steps = _chain(node)
            stack += [(first, depth + 1), *((operand, depth + 1) for _, operand in steps)]
        elif isinstance(node, ast.UnaryOp):
            stack.append((node.operand, depth + 1))
        elif isinstance(node, ast.Call):
            stack.append((node.args[0], depth + 1))


def _why_not_allowed(node: ast.AST, text: str) -> str | None:
    """None if ``node`` itself is allowed, else a description of it quoting ``text`` (children
    are checked by the caller)."""

    def text_of(part: ast.AST) -> str:
        return _segment(text, part)

    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{type(value).__name__} literal {text_of(node)!r}"
        return None
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            return f"function {node.id!r} used without a call (write {node.id}(...))"
        return None
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            return f"operator in {text_of(node)!r}"
        return None
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            return f"unary operator in {text_of(node)!r}"
        return None
    if isinstance(node, ast.Call):
        func = node.func
        if not isinstance(func, ast.Name):
            return f"call of {text_of(func)!r}"
        if func.id not in FUNCTIONS:
            return f"unknown function {func.id!r} in {text_of(node)!r}"
        if node.keywords:
            return f"keyword argument in {text_of(node)!r}"
        if len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            return f"{func.id} takes exactly one argument, got {text_of(node)!r}"
        return None
    return f"{_describe(node)} {text_of(node)!r}"


def variable_names(text: str) -> list[str]:
    """The variables of ``text`` in order of first appearance (checked like `parse`)."""
    tree = parse(text)
    names: list[str] = []
    # ast.walk is breadth-first; sort by position to get reading order.
    found = sorted(
        (n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in FUNCTIONS),
        key=lambda n: (n.lineno, n.col_offset),
    )
    for n in found:
        if n.id not in names:
            names.append(n.id)
    # a Name used as the callee of an allowed call is a function, not a variable
    return [name for name in names if name not in FUNCTIONS]


def build(
    text: str, values: Mapping[str, float | Value], *, label: str | None = None
) -> tuple[Value, dict[str, Value]]:
    """Build the graph of ``text``. Returns (root, {variable name: its leaf Value}).

    Each variable becomes one leaf labelled with its name (used twice, it feeds two edges);
    a Value passed in ``values`` is used as it is. The root is labelled ``label``, or the
    expression text when it is not simply a variable. Unset variables raise ExpressionError
    naming them.
    """
    tree = parse(text)
    wanted = variable_names(text)
    missing = [name for name in wanted if name not in values]
    if missing:
        raise ExpressionError(
            f"no value for variable{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(set {'them' if len(missing) > 1 else 'it'}, e.g. {missing[0]}=1.0)"
        )
    leaves: dict[str, Value] = {}
    for name in wanted:
        given = values[name]
        if isinstance(given, Value):
            leaves[name] = given
        else:
            try:
                leaves[name] = Value(given, label=name)
            except TypeError as exc:
                raise ExpressionError(f"value of {name}: {exc}") from None
    root = _evaluate(tree.body, leaves)
    if not isinstance(root, Value):
        root = Value(root, "", (), (), CONST)
    if label is not None:
        root.label = label
    elif not root.label:
        root.label = text.strip()
    return root, leaves


def _apply(op: str, left: Value | float, right: Value | float) -> Value:
    if not isinstance(left, Value) and not isinstance(right, Value):
        # two plain numbers: compute with the engine's IEEE rules (1/0 = inf, not an error)
        left = Value(left, "", (), (), CONST)
    result: Value  # one side is a Value, so every operator gives one
    if op == "+":
        result = left + right  # type: ignore[assignment]
    elif op == "-":
        result = left - right  # type: ignore[assignment]
    elif op == "*":
        result = left * right  # type: ignore[assignment]
    elif op == "/":
        result = left / right  # type: ignore[assignment]
    else:
        result = left**right
    return result


def _evaluate(node: ast.AST, leaves: dict[str, Value]) -> Value | float:
    """Build the graph bottom-up. Numbers stay plain floats until they meet a Value, where the
    engine lifts them to constant leaves (so ``2*x`` draws a constant 2)."""
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, (int, float)):  # parse() has rejected these already
            raise ExpressionError(f"not a number: {quote(node.value)}")
        try:
            return float(node.value)
        except OverflowError:
            raise ExpressionError(f"number {quote(node.value)} is too large for a float") from None
    if isinstance(node, ast.Name):
        return leaves[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, leaves)
        if isinstance(node.op, ast.UAdd):
            return operand
        return -operand
    if isinstance(node, ast.BinOp):
        first, steps = _chain(node)
        total = _evaluate(first, leaves)
        for operator, term in steps:  # a flat chain in a loop, left to right
            total = _apply(_BINOPS[type(operator)], total, _evaluate(term, leaves))
        return total
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        arg = _evaluate(node.args[0], leaves)
        if not isinstance(arg, Value):
            arg = Value(arg, "", (), (), CONST)
        result: Value = getattr(arg, node.func.id)()
        return result
    raise ExpressionError(f"not allowed in an expression: {type(node).__name__}")  # unreachable
