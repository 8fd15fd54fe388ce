"""The GraphQL text, read once with graphql-core's lexer before it is parsed: refused when it is
too long, has too many tokens, directives or operations, or nests brackets too deeply. The scan
stops at the first limit passed, so a huge document costs no more than a small one."""

from __future__ import annotations

from graphql.language import Lexer, Source, TokenKind

from schema.limits import QueryLimits, over_limit
from standard.errors import ErrorCode

_OPENING = frozenset({TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L})
_CLOSING = frozenset({TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R})
_OPERATION_KEYWORDS = frozenset({"query", "mutation", "subscription"})


def scan(query: str, limits: QueryLimits) -> None:
    """Raise the refusal for the first limit `query` passes; a lexical error (an unterminated
    string, a stray character) raises graphql-core's GraphQLSyntaxError."""
    over_limit(ErrorCode.QUERY_TOO_LARGE, "characters", len(query), limits.max_query_length)
    lexer = Lexer(Source(query))
    tokens = directives = operations = nesting = 0
    # A definition starts at the top level: the first token, or the one after a definition's
    # selection set closed. Brackets in variable defaults and directive arguments sit inside
    # parentheses, so only a selection set's `}` brings the nesting back to zero.
    at_definition = True
    while (token := lexer.advance()).kind is not TokenKind.EOF:
        tokens += 1
        over_limit(ErrorCode.QUERY_TOO_LARGE, "tokens", tokens, limits.max_tokens, more=True)
        kind = token.kind
        if at_definition and nesting == 0:
            at_definition = False
            if kind is TokenKind.BRACE_L or token.value in _OPERATION_KEYWORDS:
                operations += 1
                over_limit(
                    ErrorCode.TOO_MANY_OPERATIONS, "operations", operations, limits.max_operations
                )
        if kind is TokenKind.AT:
            directives += 1
            over_limit(
                ErrorCode.TOO_MANY_DIRECTIVES, "directives", directives, limits.max_directives
            )
        elif kind in _OPENING:
            nesting += 1
            over_limit(
                ErrorCode.QUERY_TOO_DEEP, "levels of nested brackets", nesting, limits.max_nesting
            )
        elif kind in _CLOSING:
            nesting = max(0, nesting - 1)
            at_definition = nesting == 0 and kind is TokenKind.BRACE_R
