import re

from backend_architect.app import checks
from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.lang import APP_LANGUAGES, JS_LANGUAGES
from backend_architect.lang import matching_close


class JwtWithoutVerification(Rule):
    """
    ## What it does
    Flags JSON Web Tokens decoded without verifying the signature
    (`jwt.decode(..., options={"verify_signature": False})`, jsonwebtoken's
    `jwt.decode` instead of `jwt.verify`, Go's `ParseUnverified`), decoded without
    pinning the algorithms, accepting algorithm `none`, ignoring expiry, or
    issued without an `exp` claim.

    ## Why is this bad?
    A token whose signature is not checked is a token anyone can forge: change
    `sub` to another user and you are that user. Accepting `none` or any
    algorithm allows the same through algorithm confusion. A token without
    expiry stays valid forever once leaked.

    ## Example
    ```python
    claims = jwt.decode(token, options={"verify_signature": False})
    token = jwt.encode({"sub": user.id}, key, algorithm="HS256")
    ```

    ## Use instead
    ```python
    claims = jwt.decode(token, key, algorithms=["HS256"], options={"require": ["exp"]})
    token = jwt.encode({"sub": user.id, "exp": now + timedelta(minutes=15)}, key, algorithm="HS256")
    ```

    Off by default: of 5 findings drawn at random from 25 public backend
    repositories (November 2026) and read by hand, 3 were true, 2 false and
    0 noise: measured precision 60% (true / (true + false)); the false ones were tests that build bad tokens on purpose and flows that verify later.
    Select `AU002` to run it.
    """

    code = "AU002"
    default_enabled = False
    name = "jwt-without-verification"
    command = "AUTH_SYSTEM"
    languages = APP_LANGUAGES
    severity = Severity.ERROR
    message = "{what}"

    def check_document(self, ctx):
        if checks.skip_tests(ctx.path):
            return
        data = ctx.document.data
        if not re.search(rb"jwt|jose|jsonwebtoken", data, re.I):
            return
        lang = ctx.document.language
        if lang == "python":
            yield from self._python(data)
        elif lang in JS_LANGUAGES:
            yield from self._js(data)
        elif lang == "go":
            yield from self._go(data)

    def _calls(self, data, name_re):
        for m in re.finditer(name_re, data):
            start = m.start()
            args_start = m.end() - 1
            end = matching_close(data, args_start)
            if end is None:
                continue
            yield start, end, data[args_start + 1 : end - 1]

    def _python(self, data):
        for s, e, args in self._calls(data, rb"\b(?:jwt|pyjwt|jose\.jwt)\.decode\("):
            if re.search(rb"""['"]verify_signature['"]\s*:\s*False|\bverify\s*=\s*False""", args):
                yield self.finding(
                    s,
                    e,
                    what="JWT decoded without verifying its signature; anyone can forge this token",
                )
            elif re.search(rb"""algorithms\s*=\s*\[[^\]]*['"]none['"]""", args, re.I):
                yield self.finding(
                    s, e, what='JWT decode accepts algorithm "none"; tokens need no signature'
                )
            elif re.search(rb"""['"]verify_exp['"]\s*:\s*False""", args):
                yield self.finding(
                    s,
                    e,
                    what="JWT decoded with expiry checks turned off; leaked tokens never expire",
                )
            elif not re.search(rb"\balgorithms\s*=", args) and args.count(b",") >= 1:
                yield self.finding(
                    s,
                    e,
                    what="JWT decoded without `algorithms=[...]`; pin the algorithm to stop algorithm confusion",
                )
        for s, e, args in self._calls(data, rb"\b(?:jwt|pyjwt|jose\.jwt)\.encode\("):
            stripped = args.lstrip()
            if stripped.startswith(b"{"):
                close = matching_close(args, len(args) - len(stripped), b"{", b"}")
                literal = args[len(args) - len(stripped) : close] if close else b""
                if literal and not re.search(rb"""['"]exp['"]|\*\*""", literal):
                    yield self.finding(
                        s, e, what="JWT issued without an `exp` claim; it stays valid forever"
                    )
            if re.search(rb"""algorithm\s*=\s*['"]none['"]""", args, re.I):
                yield self.finding(s, e, what='JWT signed with algorithm "none"')

    def _js(self, data):
        if b"jsonwebtoken" in data and not re.search(rb"\bjwt\.verify\(", data):
            for s, e, _args in self._calls(data, rb"\bjwt\.decode\("):
                yield self.finding(
                    s,
                    e,
                    what="jsonwebtoken's jwt.decode does not verify the signature; use jwt.verify",
                )
        for s, e, args in self._calls(data, rb"\bjwt\.verify\("):
            if re.search(rb"""algorithms\s*:\s*\[[^\]]*['"]none['"]""", args, re.I):
                yield self.finding(s, e, what='JWT verification accepts algorithm "none"')
            elif re.search(rb"ignoreExpiration\s*:\s*true", args):
                yield self.finding(
                    s, e, what="JWT verified with ignoreExpiration; leaked tokens never expire"
                )
        for s, e, args in self._calls(data, rb"\bjwt\.sign\("):
            stripped = args.lstrip()
            if re.search(rb"expiresIn|algorithm\s*:\s*['\"]none", args):
                if re.search(rb"""algorithm\s*:\s*['"]none['"]""", args):
                    yield self.finding(s, e, what='JWT signed with algorithm "none"')
                continue
            if stripped.startswith(b"{"):
                close = matching_close(args, len(args) - len(stripped), b"{", b"}")
                literal = args[len(args) - len(stripped) : close] if close else b""
                if literal and not re.search(rb"\bexp\b|\.\.\.", literal):
                    yield self.finding(
                        s,
                        e,
                        what="JWT signed without `expiresIn` or an `exp` claim; it stays valid forever",
                    )

    def _go(self, data):
        for m in re.finditer(rb"\bjwt\.ParseUnverified\(|\bParseUnverified\(", data):
            yield self.finding(
                m.start(),
                m.end(),
                what="JWT parsed without verifying its signature (ParseUnverified)",
            )
        for m in re.finditer(rb"jwt\.SigningMethodNone|UnsafeAllowNoneSignatureType", data):
            yield self.finding(
                m.start(), m.end(), what='JWT with algorithm "none": tokens need no signature'
            )
        for s, e, args in self._calls(data, rb"\bjwt\.NewWithClaims\("):
            lit = re.search(rb"jwt\.MapClaims\{", args)
            if lit:
                close = matching_close(args, lit.end() - 1, b"{", b"}")
                body = args[lit.end() : close] if close else b""
                if close and not re.search(rb"""['"]exp['"]""", body):
                    yield self.finding(
                        s, e, what="JWT issued without an `exp` claim; it stays valid forever"
                    )
