import re

from backend_architect.app import checks
from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.lang import APP_LANGUAGES, JS_LANGUAGES
from ...core.lazy_re import lazy

# A value named as a password (not a reset token or one-time code derived from one).
PASSWORD = rb"(?i:pass(?:word|wd|phrase)|pwd|\bpw\b|\bpass\b)"
NOT_PASSWORD = (
    rb"[Tt]oken|TOKEN|[Nn]once|\botp|_otp|Otp|\bcode\b|_code\b|[a-z]Code\b|reset_?key|ResetKey"
)
# ... or the digest is stored in a password field: user.password_hash = ..., "password": ...
STORED_IN_PASSWORD = rb"(?i:pass(?:word|wd)\w*['\"]?\s*(?::=|=|:)\s*$)"
# ... unless it becomes a token or API key a protocol defines (Fever: api_key = md5(user:password)):
# a credential derived for a client, not the stored password hash
STORED_AS_TOKEN = rb"(?i:(?:token|api_?key|apikey|signature)\w*['\"]?\s*(?::=|=|:)[^\n]*$)"
# The digest of a password sent to a k-anonymity range lookup (Have I Been Pwned) is not a stored hash.
K_ANONYMITY = rb"(?i:pwnedpasswords|haveibeenpwned|k-anonymity|k_anonymity|kanonymity|\bhibp)"
# The author already reviewed the line (gosec / bandit), or told hashlib it is not for security.
REVIEWED = rb"#\s*nosec|//\s*#?nosec|usedforsecurity\s*=\s*False"
ARG = rb"([^()\n]*(?:\([^()\n]*\)[^()\n]*)*)"


# A digest taken in a function that then runs a slow key derivation on it (a pre-hash before
# bcrypt's 72-byte limit, a legacy format wrapped in PBKDF2): the stored hash is the KDF's.
KDF = lazy(rb"(?i:pbkdf2\w*\(|\b(?:bcrypt|scrypt|argon2\w*)\.\w+\(|\bscrypt\(|hashpw\()")
_FUNCTION_START = lazy(rb"^[ \t]*(?:async\s+)?(?:def|func|function)\b", re.M)


def _before_a_kdf(data: bytes, at: int) -> bool:
    """Whether the function around ``at`` also calls a key-derivation function."""
    starts = [m.start() for m in _FUNCTION_START.finditer(data)]
    begin = max((s for s in starts if s <= at), default=0)
    end = min((s for s in starts if s > at), default=len(data))
    return bool(KDF.search(data[begin:end]))


# The words each language's digest calls below contain (a call or a digest object's creation)
_DIGEST_WORDS: dict[str, tuple[bytes, ...]] = {
    "python": (b"hashlib",),
    **{lang: (b"createHash",) for lang in JS_LANGUAGES},
    "go": (b".Sum", b".New()"),
}


class WeakPasswordHash(Rule):
    """
    ## What it does
    Flags passwords hashed with a fast digest: `hashlib.md5/sha1/sha256(...)`,
    `crypto.createHash("sha256").update(password)`, Go's `md5.Sum`,
    `sha1.Sum`, `sha256.Sum256` (or `.Write`) applied to something named
    password, or whose result is stored in a password field.

    Digests of other things are not password hashing and are left alone:
    checksums, ETags, cache keys, Gravatar's MD5 of an email, HMACs, random
    tokens, and a password's SHA-1 prefix sent to a k-anonymity range lookup
    (Have I Been Pwned). Nor is a pre-hash in a function that then stretches
    the digest with a slow key derivation (PBKDF2, bcrypt, scrypt, argon2).
    A line marked `# nosec` / `//#nosec` (bandit, gosec)
    or `usedforsecurity=False` was reviewed by its author.

    ## Why is this bad?
    General-purpose digests are built to be fast: a single GPU tries billions of
    MD5 or SHA-256 guesses per second, so a leaked table of such hashes is a
    leaked table of passwords. Unsalted hashes also fall to precomputed tables.

    ## Example
    ```python
    user.password_hash = hashlib.sha256(password.encode()).hexdigest()
    ```

    ## Use instead
    ```python
    from argon2 import PasswordHasher
    user.password_hash = PasswordHasher().hash(password)
    ```
    Use argon2id, bcrypt or scrypt (`golang.org/x/crypto/bcrypt`, `bcrypt` /
    `argon2` on npm, `argon2-cffi` / `passlib` in Python), and rehash on the
    next login.
    """

    code = "AU004"
    name = "weak-password-hash"
    command = "AUTH_SYSTEM"
    languages = APP_LANGUAGES
    severity = Severity.ERROR
    message = "password hashed with {algo}; use argon2id, bcrypt or scrypt"

    def check_document(self, ctx):
        if checks.skip_tests(ctx.path):
            return
        data = ctx.document.data
        lang = ctx.document.language
        # a digest call names its library: without that name nothing below can match
        if not any(word in data for word in _DIGEST_WORDS.get(lang or "", ())):
            return
        # each pattern needs one of a few words (ASCII, any case): look for those first
        low = data.lower()
        if (b"pw" not in low and b"pass" not in low) or not re.search(PASSWORD, data):
            return
        if any(w in low for w in (b"pwned", b"anonymity", b"hibp")) and re.search(
            K_ANONYMITY, data
        ):
            return
        if lang == "python":
            calls = re.finditer(
                rb"\bhashlib\.(md5|sha1|sha224|sha256|sha384|sha512|new)\(" + ARG + rb"\)", data
            )
            writes = re.finditer(
                rb"\b(\w+)\s*=\s*hashlib\.(md5|sha1|sha224|sha256|sha384|sha512)\(\s*\)", data
            )
            update = rb"\.update\("
        elif lang in JS_LANGUAGES:
            calls = re.finditer(
                rb"createHash\(\s*['\"](md5|sha1|sha256|sha512|sha384)['\"]\s*\)\s*\.update\("
                + ARG
                + rb"\)",
                data,
            )
            writes = re.finditer(
                rb"\b(\w+)\s*=\s*(?:\w+\.)?createHash\(\s*['\"](md5|sha1|sha256|sha512|sha384)['\"]\s*\)\s*;?\s*$",
                data,
                re.M,
            )
            update = rb"\.update\("
        elif lang == "go":
            calls = re.finditer(rb"\b(md5|sha1|sha256|sha512)\.Sum\w*\(" + ARG + rb"\)", data)
            writes = re.finditer(rb"\b(\w+)\s*:?=\s*(md5|sha1|sha256|sha512)\.New\(\)", data)
            update = rb"\.Write\("
        else:
            return
        # (a pre-hash that a slow key derivation then stretches is none: asked last, as it
        # reads the whole function around the digest)
        for m in calls:
            if self._hashes_password(data, m.start(), m.group(2)) and not _before_a_kdf(
                data, m.start()
            ):
                yield self.finding(m.start(), m.end(), algo=m.group(1).decode())
        # h = sha1.New(); h.Write([]byte(password))  /  h = hashlib.sha256(); h.update(password)
        for w in writes:
            var = re.escape(w.group(1))
            for m in re.finditer(
                rb"\b" + var + update + ARG + rb"\)", data[w.end() : w.end() + 2000]
            ):
                at = w.end() + m.start()
                if (
                    self._hashes_password(data, at, m.group(1))
                    and not self._reviewed(data, w.start())
                    and not _before_a_kdf(data, at)
                ):
                    yield self.finding(at, w.end() + m.end(), algo=w.group(2).decode())

    @staticmethod
    def _reviewed(data: bytes, at: int) -> bool:
        start = data.rfind(b"\n", 0, data.rfind(b"\n", 0, at)) + 1  # this line and the one above
        end = data.find(b"\n", at)
        return bool(re.search(REVIEWED, data[start : end if end >= 0 else len(data)]))

    def _hashes_password(self, data: bytes, at: int, arg: bytes) -> bool:
        if self._reviewed(data, at):
            return False
        line_start = data.rfind(b"\n", 0, at) + 1
        if re.search(STORED_AS_TOKEN, data[line_start:at]):
            return False
        if re.search(PASSWORD, arg) and not re.search(NOT_PASSWORD, arg):
            return True
        line_start = data.rfind(b"\n", 0, at) + 1
        return bool(re.search(STORED_IN_PASSWORD, data[line_start:at]))
