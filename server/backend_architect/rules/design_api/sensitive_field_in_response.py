import re

from backend_architect.app import checks
from backend_architect.core import languages
from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.lang import APP_LANGUAGES, JS_LANGUAGES, text

SENSITIVE = re.compile(
    r"^(password|passwd|password_?hash|hashed_?password|pass_?hash|pwd_?hash|password_?digest|salt|"
    r"secret|client_?secret|api_?secret|secret_?key|api_?key|private_?key|otp_?secret|totp_?secret|mfa_?secret|"
    r"reset_?token|password_?reset_?token|verification_?token|confirmation_?token|refresh_?token|"
    r"PasswordHash|HashedPassword|PasswordDigest|Secret|APIKey|ApiKey|PrivateKey|ResetToken|RefreshToken)$",
    re.I,
)
SENSITIVE_WORDS = (b"password", b"secret", b"api_key", b"apikey", b"token", b"salt", b"private")
RESPONSE_NAME = re.compile(r"(Response|Resp|Out|Output|Public|Read|View|Result|RO|Detail|Details)$")


# field types that can hold a secret's value: strings and bytes (`*string`, `[]byte`,
# `sql.NullString`); a struct or other named type is a nested object
_GO_VALUE_TYPE = re.compile(r"^\*?(?:string|\[\]byte|\[\]string|\w+\.Null\w*String|\w+\.String)$")


def _is_token_pair(body: str) -> bool:
    """A token response (access + refresh token) legitimately hands the refresh token to its owner."""
    return bool(re.search(r"access_?token|accessToken|AccessToken", body))


class SensitiveFieldInResponse(Rule):
    """
    ## What it does
    Flags response models that expose passwords, password hashes, salts,
    secrets, API keys or reset/refresh tokens: a FastAPI `response_model`, a
    response-named Pydantic/TypeScript class, a Django REST framework
    serializer listing `password` without `write_only`, or a Go response struct
    with such a field in its JSON (a string or bytes field: a nested object
    named `password` holds settings, not the secret).

    ## Why is this bad?
    Whatever the model holds goes to every client and every log of responses.
    A leaked hash can be cracked offline; a leaked reset token is account
    takeover. Response models should be an allow-list of public fields.

    ## Example
    ```python
    class UserOut(BaseModel):
        id: int
        email: str
        hashed_password: str
    ```

    ## Use instead
    ```python
    class UserOut(BaseModel):
        id: int
        email: str
    ```

    Off by default: on 43 real backend repositories (2026-11-27) 1 of its 4
    findings was right (precision 25%): a webhook secret a serializer returns.
    The others were models that are not responses of the project's own API: a
    request-only serializer, a struct decoding a third-party API's answer, an
    interface in an acceptance-test script. Select `API006` to run it.
    """

    code = "API006"
    default_enabled = False
    name = "sensitive-field-in-response"
    command = "DESIGN_API"
    languages = APP_LANGUAGES
    severity = Severity.ERROR
    message = "response model {model} exposes `{field}`; remove it from the response"

    def check_document(self, ctx):
        if checks.skip_tests(ctx.path):
            return
        data = ctx.document.data
        low = data.lower()  # the same as (?i)password|secret|api_?key|token|salt|private
        if not any(w in low for w in SENSITIVE_WORDS):
            return
        lang = ctx.document.language
        tree = checks.tree(ctx)
        if lang == "python":
            yield from self._python(ctx, tree, data)
        elif lang in JS_LANGUAGES:
            if ctx.path.endswith(".d.ts"):
                return  # type declarations (often generated), not the API's models
            yield from self._ts(tree, data, lang)
        elif lang == "go":
            yield from self._go(tree, data)

    def _python(self, ctx, tree, data):
        used = set()
        for h in checks.handlers(ctx):
            if h.route.response_model:
                used.update(re.findall(r"[A-Za-z_]\w*", h.route.response_model))
        q = "(class_definition name: (identifier) @n superclasses: (argument_list)? @b body: (block) @body) @c"
        for _, m in languages.matches("python", q, tree.root_node):
            name = text(m["n"][0], data)
            bases = text(m["b"][0], data) if "b" in m else ""
            body = m["body"][0]
            if "Serializer" in bases:
                yield from self._serializer(name, body, data)
                continue
            if name not in used and not (
                RESPONSE_NAME.search(name)
                and re.search(r"BaseModel|Schema|SQLModel|TypedDict", bases)
            ):
                continue
            if re.search(r"table\s*=\s*True", bases):
                continue  # an ORM table, not a response model
            for stmt in body.named_children:
                if stmt.type != "expression_statement" or not stmt.named_children:
                    continue
                node = stmt.named_children[0]
                if node.type != "assignment" or node.child_by_field_name("type") is None:
                    continue
                field = text(node.child_by_field_name("left"), data)
                rhs = text(node.child_by_field_name("right"), data)
                if (
                    SENSITIVE.match(field)
                    and "exclude=True" not in rhs
                    and "SecretStr" not in text(node.child_by_field_name("type"), data)
                    and not ("efresh" in field and _is_token_pair(text(body, data)))
                ):
                    yield self.finding(node.start_byte, node.end_byte, model=name, field=field)

    def _serializer(self, name, body, data):
        btext = text(body, data)
        fields = re.search(r"fields\s*=\s*([\[(][^\])]*[\])]|['\"]__all__['\"])", btext)
        write_only = set(
            re.findall(r"['\"](\w+)['\"]\s*:\s*\{[^}]*['\"]write_only['\"]\s*:\s*True", btext)
        )
        write_only |= set(
            re.findall(r"(\w+)\s*=\s*serializers\.\w+\([^)]*write_only\s*=\s*True", btext)
        )
        for m in re.finditer(r"^\s*(\w+)\s*=\s*serializers\.(\w+)\(([^)]*)\)", btext, re.M):
            if (
                SENSITIVE.match(m.group(1))
                and "write_only" not in m.group(3)
                and m.group(2) != "HiddenField"
            ):
                s = body.start_byte + len(btext[: m.start(1)].encode())
                yield self.finding(s, s + len(m.group(1)), model=name, field=m.group(1))
                write_only.add(m.group(1))
        if fields:
            for f in re.findall(r"['\"](\w+)['\"]", fields.group(1)):
                if (
                    SENSITIVE.match(f)
                    and f not in write_only
                    and not re.search(rf"^\s*{f}\s*=", btext, re.M)
                ):
                    s = body.start_byte + len(btext[: fields.start(1)].encode())
                    yield self.finding(s, s + len(fields.group(1).encode()), model=name, field=f)

    def _ts(self, tree, data, lang):
        q = "(class_declaration name: (_) @n body: (class_body) @b)"
        if lang != "javascript":
            q = "[(class_declaration name: (_) @n body: (class_body) @b) (interface_declaration name: (_) @n body: (interface_body) @b)]"
        for _, m in languages.matches(lang, q, tree.root_node):
            name = text(m["n"][0], data)
            if not RESPONSE_NAME.search(name):
                continue
            for prop in m["b"][0].named_children:
                if prop.type not in ("public_field_definition", "property_signature"):
                    continue
                pname = prop.child_by_field_name("name")
                field = text(pname, data)
                if (
                    SENSITIVE.match(field)
                    and "@Exclude" not in text(prop, data)
                    and not ("efresh" in field and _is_token_pair(text(m["b"][0], data)))
                ):
                    yield self.finding(prop.start_byte, prop.end_byte, model=name, field=field)

    def _go(self, tree, data):
        q = "(type_spec name: (type_identifier) @n type: (struct_type (field_declaration_list) @f))"
        for _, m in languages.matches("go", q, tree.root_node):
            name = text(m["n"][0], data)
            if not RESPONSE_NAME.search(name):
                continue
            # a struct this program sends, not one it decodes from another service
            n = re.escape(name.encode())
            if re.search(rb"(Decode|Unmarshal)\(\s*&?\w*" + n, data) or re.search(
                rb"var\s+\w+\s+\*?" + n + rb"\b[\s\S]{0,400}?(Decode|Unmarshal)\(", data
            ):
                continue
            if not re.search(rb"\.JSON\(|Encode\(|json\.Marshal|WriteJSON|writeJSON", data):
                continue
            # a JSON model has json tags or is itself handed to the encoder; a store's result struct is neither
            fields_text = text(m["f"][0], data)
            if 'json:"' not in fields_text and not re.search(
                rb"(?:\.JSON|Encode|json\.Marshal|WriteJSON|writeJSON)\([^()\n]*\b" + n + rb"\b",
                data,
            ):
                continue

            for field in m["f"][0].named_children:
                if field.type != "field_declaration":
                    continue
                fname = text(field.child_by_field_name("name"), data)
                tag = re.search(r'json:"([^"]*)"', text(field, data))
                json_name = tag.group(1).split(",")[0] if tag else fname
                if json_name == "-":
                    continue
                ftype = text(field.child_by_field_name("type"), data)
                if not _GO_VALUE_TYPE.match(ftype):
                    continue  # a nested object (`Password passwordOptions`): settings, not a secret
                if (SENSITIVE.match(json_name) or SENSITIVE.match(fname)) and not (
                    _is_token_pair(text(m["f"][0], data)) and "efresh" in json_name + fname
                ):
                    yield self.finding(
                        field.start_byte, field.end_byte, model=name, field=json_name
                    )
