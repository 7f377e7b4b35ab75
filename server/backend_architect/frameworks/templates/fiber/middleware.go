// Cross-cutting HTTP concerns: error format, request ids, structured logs, CORS.
package {{package}}

import (
	"errors"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
)

var errorCodes = map[int]string{400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT", 422: "VALIDATION_ERROR", 429: "RATE_LIMITED"}

var logger = slog.New(slog.NewJSONHandler(os.Stdout, nil))

// InstallMiddleware adds recovery, request ids with JSON access logs, CORS from CORS_ORIGINS
// (never "*" with credentials) and the error format {"error": {"code", "message", "details"}}.
func InstallMiddleware(app *fiber.App) {
	app.Use(recover.New())
	app.Use(requestid.New(requestid.Config{Header: "X-Request-ID"}))
	// CORS only for the origins listed in CORS_ORIGINS (comma separated); none: same origin only
	if origins := strings.TrimSpace(os.Getenv("CORS_ORIGINS")); origins != "" && origins != "*" {
		app.Use(cors.New(cors.Config{AllowOrigins: origins, AllowCredentials: true}))
	}
	app.Use(func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		if err != nil {
			err = writeError(c, err)
		}
		logger.Info("request",
			"request_id", c.Locals("requestid"),
			"method", c.Method(),
			"path", c.Path(),
			"status", c.Response().StatusCode(),
			"duration_ms", time.Since(start).Milliseconds(),
		)
		return err
	})
}

func writeError(c *fiber.Ctx, err error) error {
	status, message := fiber.StatusInternalServerError, "an unexpected error occurred"
	var fe *fiber.Error
	if errors.As(err, &fe) {
		status, message = fe.Code, fe.Message
	}
	code, ok := errorCodes[status]
	if !ok {
		code = "INTERNAL"
		if status < 500 {
			code = "BAD_REQUEST"
		}
	}
	return c.Status(status).JSON(fiber.Map{"error": fiber.Map{"code": code, "message": message, "details": []fiber.Map{}}})
}
