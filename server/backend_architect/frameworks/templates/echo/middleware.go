// Cross-cutting HTTP concerns: error format, request ids, structured logs, CORS.
package {{package}}

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

var errorCodes = map[int]string{400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 422: "VALIDATION_ERROR", 429: "RATE_LIMITED"}

// allowedOrigins comes from CORS_ORIGINS (comma separated); never "*" since credentials are allowed.
func allowedOrigins() map[string]bool {
	out := map[string]bool{}
	for _, o := range strings.Split(os.Getenv("CORS_ORIGINS"), ",") {
		o = strings.TrimSpace(o)
		if o != "" && o != "*" {
			out[o] = true
		}
	}
	return out
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// InstallMiddleware adds request ids, JSON logs, CORS and the error format to e.
func InstallMiddleware(e *echo.Echo) {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	origins := allowedOrigins()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		status, message := http.StatusInternalServerError, "an unexpected error occurred"
		var he *echo.HTTPError
		if errors.As(err, &he) && he.Code < 500 {
			status, message = he.Code, fmt.Sprint(he.Message)
		}
		if status >= 500 {
			logger.Error("unhandled error", "request_id", c.Get("request_id"), "error", err.Error())
		}
		code, ok := errorCodes[status]
		if !ok {
			code = "INTERNAL"
		}
		_ = c.JSON(status, echo.Map{"error": echo.Map{"code": code, "message": message, "details": []echo.Map{}}})
	}
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req, res := c.Request(), c.Response()
			id := req.Header.Get(echo.HeaderXRequestID)
			if id == "" {
				id = newRequestID()
			}
			c.Set("request_id", id)
			res.Header().Set(echo.HeaderXRequestID, id)
			if origin := req.Header.Get("Origin"); origins[origin] {
				res.Header().Set("Access-Control-Allow-Origin", origin)
				res.Header().Set("Access-Control-Allow-Credentials", "true")
				res.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-ID")
				res.Header().Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
				res.Header().Add("Vary", "Origin")
			}
			if req.Method == http.MethodOptions {
				return c.NoContent(http.StatusNoContent)
			}
			started := time.Now()
			if err := next(c); err != nil {
				c.Error(err) // answer now, so the log line has the final status
			}
			logger.Info("request", "request_id", id, "method", req.Method, "path", c.Path(), "status", res.Status, "ms", time.Since(started).Milliseconds())
			return nil
		}
	})
	e.Use(middleware.Recover()) // a panic becomes an error, answered by the handler above as INTERNAL
}
