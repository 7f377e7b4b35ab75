from backend_architect.core.findings import Severity

from .sql_string_formatting import SqlStringFormatting


class SqlInjectionFromRequest(SqlStringFormatting):
    """
    ## What it does
    Flags SQL passed to a database call that is built by formatting or
    concatenating request data into the text: `request.args` / `.form` /
    `.json` / `.GET`, `req.query` / `.body` / `.params`, Gin/Echo `c.Query` /
    `c.Param`, `r.URL.Query().Get`, FastAPI and Flask route parameters,
    also through local variables and through a function of the same file that
    a route hands request data. The same analysis as IV010 (every way a string
    is assembled, every driver and ORM entry point, the same fix), reporting
    only values that come from the request.

    ## Why is this bad?
    Request data spliced into SQL text is SQL injection: the client chooses
    the statement. It also defeats the driver's statement cache.

    ## Example
    ```python
    @app.get("/users")
    def users():
        return db.execute(f"SELECT id FROM users WHERE name = '{request.args['name']}'")
    ```

    ## Use instead
    ```python
    @app.get("/users")
    def users():
        return db.execute("SELECT id FROM users WHERE name = ?", (request.args["name"],))
    ```
    A value that goes where a name or clause goes (`ORDER BY {sort}`) gets
    no fix: map it through a whitelist of allowed names.
    """

    code = "IV011"
    name = "sql-injection-from-request"
    severity = Severity.ERROR
    default_enabled = True
    request_only = True
