from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import SQL_LANGUAGES, Rule


class UnusedNoqa(Rule):
    """
    ## What it does
    Flags a `noqa` suppression comment naming a rule that reports nothing on
    that line (`-- noqa: MG001`, `# noqa: IV001`, `// noqa: QO001`).

    ## Why is this bad?
    A stale suppression hides the next real finding on that line and tells the
    reader that a problem exists where there is none.

    ## Example
    ```sql
    CREATE INDEX CONCURRENTLY idx_posts_user_id ON posts (user_id);  -- noqa: MG001
    ```

    ## Use instead
    ```sql
    CREATE INDEX CONCURRENTLY idx_posts_user_id ON posts (user_id);
    ```
    Codes of other tools (`# noqa: E501`) are left alone.
    """

    code = "BA001"
    name = "unused-noqa"
    command = "GENERAL"
    languages = SQL_LANGUAGES
    severity = Severity.INFORMATION
    message = "Unused suppression"
    fix_title = "remove the unused suppression"
    fix_safety = Applicability.SAFE
    # Reported by the engine after every other rule ran (it needs their findings).
