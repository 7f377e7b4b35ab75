import re

from backend_architect.app import checks
from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule

PASSWORD = rb"(?i:pass(?:word|wd|phrase)?|pwd|pw\b)"


class WeakPasswordHash(Rule):
    """
    ## What it does
    Flags passwords hashed with a fast digest: `hashlib.md5/sha1/sha256(...)`,
    `crypto.createHash("sha256").update(password)`, Go's `md5.Sum`,
    `sha1.Sum`, `sha256.Sum256` (or `.Write`) applied to something named
    password.

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
    languages = checks.APP_LANGUAGES
    severity = Severity.ERROR
    message = "password hashed with {algo}; use argon2id, bcrypt or scrypt"

    def check_document(self, ctx):
        data = ctx.document.data
        if not re.search(PASSWORD, data):
            return
        lang = ctx.document.language
        if lang == "python":
            pat = rb"\bhashlib\.(md5|sha1|sha224|sha256|sha384|sha512|new)\(([^()\n]*(?:\([^()\n]*\)[^()\n]*)*)\)"
            for m in re.finditer(pat, data):
                if re.search(PASSWORD, m.group(2)):
                    yield self.finding(m.start(), m.end(), algo=m.group(1).decode())
        elif lang in checks.JS_LANGUAGES:
            pat = rb"createHash\(\s*['\"](md5|sha1|sha256|sha512|sha384)['\"]\s*\)\s*\.update\(([^()\n]*(?:\([^()\n]*\)[^()\n]*)*)\)"
            for m in re.finditer(pat, data):
                if re.search(PASSWORD, m.group(2)):
                    yield self.finding(m.start(), m.end(), algo=m.group(1).decode())
        elif lang == "go":
            for m in re.finditer(rb"\b(md5|sha1|sha256|sha512)\.(Sum\w*)\(([^()\n]*(?:\([^()\n]*\)[^()\n]*)*)\)", data):
                if re.search(PASSWORD, m.group(3)):
                    yield self.finding(m.start(), m.end(), algo=m.group(1).decode())
            if re.search(rb"\b(md5|sha1|sha256|sha512)\.New\(\)", data):
                algo = re.search(rb"\b(md5|sha1|sha256|sha512)\.New\(\)", data).group(1).decode()
                for m in re.finditer(rb"\.Write\(\s*\[\]byte\(([^()\n]*)\)\s*\)", data):
                    if re.search(PASSWORD, m.group(1)):
                        yield self.finding(m.start(), m.end(), algo=algo)
