"""The indicator expression language: parse, check against the sources, compile to SQL.

    count(persons where child and age_band in ("0-11m", "12-23m"))
    sum(deliveries.quantity where item_kind = "kit")
    count_distinct(contacts.household_id where kind = "call" and reached)
    sum(aggregate.value where element = "budget_ecd") / 1000
    count(referrals where counter_referred) + count(referrals where status = "rejected")

An expression is arithmetic (+ - * /, numbers, parentheses) over aggregates. An aggregate is
`count(source …)`, `sum(source.field …)` or `count_distinct(source.field …)` with an optional
`where` filter: comparisons (`=`, `!=`, `<`, `<=`, `>`, `>=`), `in (…)`, bare boolean fields,
`and`, `or`, `not` and parentheses. Strings are in double or single quotes. See
docs/indicators.md for the sources and their fields.

Errors say where (line and column) and why, before anything is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .sources import SOURCES, Source

GRAMMAR = r"""
?start: expr
?expr: expr "+" term   -> add
     | expr "-" term   -> sub
     | term
?term: term "*" unary  -> mul
     | term "/" unary  -> div
     | unary
?unary: "-" unary      -> neg
      | atom
?atom: NUMBER          -> number
     | aggregate
     | "(" expr ")"
aggregate: FUNC "(" NAME ("." NAME)? ("where"i cond)? ")"
?cond: cond "or"i cand   -> or_
     | cand
?cand: cand "and"i cnot -> and_
     | cnot
?cnot: "not"i cnot      -> not_
     | test
     | "(" cond ")"
test: NAME OP literal          -> compare
    | NAME "in"i "(" literal ("," literal)* ")" -> within
    | NAME                     -> truth
?literal: STRING -> string
        | NUMBER -> number
        | TRUE   -> true
        | FALSE  -> false
FUNC.2: "count_distinct" | "count" | "sum"
TRUE.2: "true"i
FALSE.2: "false"i
OP: "!=" | "<=" | ">=" | "=" | "<" | ">"
NAME: /(?!(and|or|not|in|where)\b)[a-z_][a-z0-9_]*/i
STRING: /"[^"\n]*"/ | /'[^'\n]*'/
%import common.NUMBER
%import common.WS
%ignore WS
"""


class ExpressionError(ValueError):
    """A malformed expression: `message` says why, `line`/`column` where (1-based)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        self.message, self.line, self.column = message, line, column
        where = _("line %(line)s, column %(column)s: ") % {"line": line, "column": column} \
            if line else ""
        super().__init__(where + message)


# ---- the tree ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class BinOp:
    op: str
    left: object
    right: object


@dataclass(frozen=True)
class Neg:
    operand: object


@dataclass(frozen=True)
class Test:
    field: str
    op: str  # "=", "!=", "<", "<=", ">", ">=", "in", "truth"
    values: tuple
    line: int = 0
    column: int = 0


@dataclass(frozen=True)
class Logic:
    op: str  # "and", "or", "not"
    parts: tuple


@dataclass(frozen=True)
class Aggregate:
    func: str  # count, sum, count_distinct
    source: str
    field: str | None
    where: object | None
    line: int = 0
    column: int = 0

    @property
    def key(self) -> str:
        """A canonical text of this aggregate: equal aggregates share one cube."""
        target = f"{self.source}.{self.field}" if self.field else self.source
        cond = f" where {condition_text(self.where)}" if self.where is not None else ""
        return f"{self.func}({target}{cond})"


def condition_text(node) -> str:
    if isinstance(node, Logic):
        if node.op == "not":
            return f"not ({condition_text(node.parts[0])})"
        return "(" + f" {node.op} ".join(condition_text(p) for p in node.parts) + ")"
    if node.op == "truth":
        return node.field
    if node.op == "in":
        return f"{node.field} in ({', '.join(_literal_text(v) for v in node.values)})"
    return f"{node.field} {node.op} {_literal_text(node.values[0])}"


def _literal_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value + '"'
    return repr(value)


@v_args(inline=True)
class _Build(Transformer):
    def number(self, token):
        return Number(float(token))

    def string(self, token):
        return str(token)[1:-1]

    def true(self, _token):
        return True

    def false(self, _token):
        return False

    def add(self, a, b):
        return BinOp("+", a, b)

    def sub(self, a, b):
        return BinOp("-", a, b)

    def mul(self, a, b):
        return BinOp("*", a, b)

    def div(self, a, b):
        return BinOp("/", a, b)

    def neg(self, a):
        return Neg(a)

    def or_(self, a, b):
        return Logic("or", (a, b))

    def and_(self, a, b):
        return Logic("and", (a, b))

    def not_(self, a):
        return Logic("not", (a,))

    def compare(self, name, op, value):
        value = value.value if isinstance(value, Number) else value
        return Test(str(name), str(op), (value,), name.line, name.column)

    def within(self, name, *values):
        values = tuple(v.value if isinstance(v, Number) else v for v in values)
        return Test(str(name), "in", values, name.line, name.column)

    def truth(self, name):
        return Test(str(name), "truth", (), name.line, name.column)

    def aggregate(self, func, source, *rest):
        field, where = None, None
        for part in rest:
            if isinstance(part, Token):
                field = str(part)
            else:
                where = part
        return Aggregate(str(func), str(source), field, where, func.line, func.column)


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", propagate_positions=True)


_EXPECTED = {"RPAR": "')'", "LPAR": "'('", "OP": "=", "COMMA": "','", "DOT": "'.'",
             "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'", "SLASH": "'/'", "WHERE": "where",
             "AND": "and", "OR": "or", "IN": "in"}
# tokens described in words: translated when the message is made
_DESCRIBED = {"NAME": gettext_noop("a name"), "NUMBER": gettext_noop("a number"),
              "STRING": gettext_noop("a quoted text"),
              "FUNC": gettext_noop("count, sum or count_distinct")}


def _describe(token_type: str) -> str:
    if token_type in _DESCRIBED:
        return _(_DESCRIBED[token_type])
    return _EXPECTED.get(token_type, token_type.lower())


def _describe_expected(expected) -> str:
    names = sorted({_describe(e) for e in expected if not e.startswith("__")})
    return ", ".join(names[:6])


def parse(text: str):
    """The tree of `text`; ExpressionError says where the syntax is wrong."""
    if not text or not text.strip():
        raise ExpressionError(_("the expression is empty"))
    try:
        tree = _parser().parse(text)
    except UnexpectedCharacters as exc:
        raise ExpressionError(_("unexpected character '%(char)s'")
                              % {"char": text[exc.pos_in_stream]},
                              exc.line, exc.column) from None
    except UnexpectedEOF as exc:
        raise ExpressionError(
            _("the expression ends too early; expected %(expected)s")
            % {"expected": _describe_expected(exc.expected)},
            exc.line if exc.line > 0 else None, exc.column if exc.column > 0 else None) from None
    except UnexpectedToken as exc:
        if exc.token.type == "$END":
            raise ExpressionError(
                _("the expression ends too early; expected %(expected)s")
                % {"expected": _describe_expected(exc.expected)}
            ) from None
        raise ExpressionError(
            _("unexpected '%(token)s'; expected %(expected)s")
            % {"token": exc.token, "expected": _describe_expected(exc.expected)},
            exc.line, exc.column) from None
    except UnexpectedInput as exc:  # pragma: no cover - other lark errors
        raise ExpressionError(str(exc), getattr(exc, "line", None),
                              getattr(exc, "column", None)) from None
    return _Build().transform(tree)


# ---- checking ---------------------------------------------------------------------------------

KnownCodes = Callable[[str, str], set[str] | None]


def aggregates(node) -> list[Aggregate]:
    if isinstance(node, Aggregate):
        return [node]
    if isinstance(node, BinOp):
        return aggregates(node.left) + aggregates(node.right)
    if isinstance(node, Neg):
        return aggregates(node.operand)
    return []


def check(text: str, known: KnownCodes | None = None):
    """Parse and check `text` against the sources. `known(source, field)` may return the set
    of valid codes for fields whose values live in the database (programmes, items, data
    elements). Returns the tree."""
    tree = parse(text)
    if not aggregates(tree):
        raise ExpressionError(_("the expression counts or sums nothing: use count(…), sum(…) "
                                "or count_distinct(…) over a source"))
    for agg in aggregates(tree):
        _check_aggregate(agg, known)
    return tree


def _check_aggregate(agg: Aggregate, known: KnownCodes | None) -> None:
    source = SOURCES.get(agg.source)
    at = (agg.line, agg.column)
    if source is None:
        raise ExpressionError(_("unknown source '%(source)s'; the sources are: %(sources)s")
                              % {"source": agg.source, "sources": ", ".join(sorted(SOURCES))},
                              *at)
    if agg.func == "count" and agg.field:
        raise ExpressionError(_("count takes a source, not a field: write count(%(source)s …) "
                                "or count_distinct(%(source)s.%(field)s …)")
                              % {"source": agg.source, "field": agg.field}, *at)
    if agg.func == "sum":
        if agg.field not in source.sums:
            raise ExpressionError(
                _("sum needs a numeric field of %(source)s: %(fields)s")
                % {"source": agg.source,
                   "fields": ", ".join(source.sums) if source.sums
                   else _("it has none (use count)")}, *at)
    if agg.func == "count_distinct" and agg.field not in source.distinct:
        raise ExpressionError(
            _("count_distinct needs one of the fields of %(source)s: %(fields)s")
            % {"source": agg.source,
               "fields": ", ".join(source.distinct) or _("it has none (use count)")}, *at)
    if agg.where is not None:
        _check_condition(agg.where, source, known)


def _check_condition(node, source: Source, known: KnownCodes | None) -> None:
    if isinstance(node, Logic):
        for part in node.parts:
            _check_condition(part, source, known)
        return
    at = (node.line, node.column)
    spec = source.fields.get(node.field)
    if spec is None:
        raise ExpressionError(_("'%(field)s' is not a field of %(source)s; its fields are: "
                                "%(fields)s")
                              % {"field": node.field, "source": source.name,
                                 "fields": ", ".join(sorted(source.fields))}, *at)
    if spec.type == "bool":
        if node.op == "truth":
            return
        if node.op in ("=", "!=") and isinstance(node.values[0], bool):
            return
        raise ExpressionError(_("'%(field)s' is true or false: write '%(field)s', "
                                "'not %(field)s' or '%(field)s = true'")
                              % {"field": node.field}, *at)
    if node.op == "truth":
        raise ExpressionError(_("'%(field)s' is not true or false: compare it, for example "
                                "%(field)s = \"…\"") % {"field": node.field}, *at)
    if spec.type in ("code", "text"):
        if node.op not in ("=", "!=", "in"):
            raise ExpressionError(_("'%(field)s' is a code: use =, != or in")
                                  % {"field": node.field}, *at)
        allowed = set(spec.values) if spec.values else (known(source.name, node.field)
                                                        if known else None)
        for value in node.values:
            if not isinstance(value, str):
                raise ExpressionError(_("'%(field)s' takes quoted codes, not %(value)r")
                                      % {"field": node.field, "value": value}, *at)
            if allowed is not None and spec.type == "code" and value not in allowed:
                raise ExpressionError(
                    _("'%(value)s' is not a value of %(source)s.%(field)s; the values are: "
                      "%(values)s")
                    % {"value": value, "source": source.name, "field": node.field,
                       "values": ", ".join(sorted(allowed)) or _("(none yet)")}, *at)
    if spec.type == "number":
        for value in node.values:
            if isinstance(value, (bool, str)):
                raise ExpressionError(_("'%(field)s' is a number") % {"field": node.field},
                                      *at)


# ---- SQL --------------------------------------------------------------------------------------

def _sql_literal(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(float(value))


def condition_sql(node) -> str:
    """SQL (DuckDB) of a checked condition; field names are checked identifiers and every value
    a quoted literal."""
    if isinstance(node, Logic):
        if node.op == "not":
            return f"(NOT {condition_sql(node.parts[0])})"
        joiner = " AND " if node.op == "and" else " OR "
        return "(" + joiner.join(condition_sql(p) for p in node.parts) + ")"
    column = f'"{node.field}"'
    if node.op == "truth":
        return f"COALESCE({column}, FALSE)"
    if node.op == "in":
        return f"{column} IN ({', '.join(_sql_literal(v) for v in node.values)})"
    op = "<>" if node.op == "!=" else node.op
    return f"{column} {op} {_sql_literal(node.values[0])}"


def arithmetic_sql(node, column_of: Callable[[Aggregate], str]) -> str:
    """SQL of the arithmetic, with each aggregate replaced by `column_of(aggregate)`. Division
    by zero gives NULL."""
    if isinstance(node, Number):
        return repr(node.value)
    if isinstance(node, Aggregate):
        return column_of(node)
    if isinstance(node, Neg):
        return f"(-{arithmetic_sql(node.operand, column_of)})"
    left, right = arithmetic_sql(node.left, column_of), arithmetic_sql(node.right, column_of)
    if node.op == "/":
        return f"({left} / NULLIF({right}, 0))"
    return f"({left} {node.op} {right})"


def dims_supported(tree) -> set[str]:
    """The disaggregations every aggregate of the expression supports."""
    sets = [set(SOURCES[a.source].dims) for a in aggregates(tree)]
    return set.intersection(*sets) if sets else set()
