// Cross-cutting HTTP concerns: error format, request ids, structured logs, CORS.
package {{package}}

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

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

// InstallMiddleware adds request ids, JSON logs, CORS and the error format to r.
func InstallMiddleware(r *gin.Engine) {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	origins := allowedOrigins()
	r.Use(func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if id == "" {
			id = newRequestID()
		}
		c.Set("request_id", id)
		c.Header("X-Request-ID", id)
		if origin := c.GetHeader("Origin"); origins[origin] {
			c.Header("Access-Control-Allow-Origin", origin)
			c.Header("Access-Control-Allow-Credentials", "true")
			c.Header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-ID")
			c.Header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
			c.Header("Vary", "Origin")
		}
		if c.Request.Method == http.MethodOptions {
			c.AbortWithStatus(http.StatusNoContent)
			return
		}
		started := time.Now()
		c.Next()
		logger.Info("request", "request_id", id, "method", c.Request.Method, "path", c.FullPath(), "status", c.Writer.Status(), "ms", time.Since(started).Milliseconds())
	})
	r.Use(gin.CustomRecovery(func(c *gin.Context, recovered any) {
		logger.Error("unhandled error", "request_id", c.GetString("request_id"), "error", recovered)
		c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": gin.H{"code": "INTERNAL", "message": "an unexpected error occurred", "details": []gin.H{}}})
	}))
	r.NoRoute(func(c *gin.Context) {
		c.JSON(http.StatusNotFound, gin.H{"error": gin.H{"code": "NOT_FOUND", "message": "no route for " + c.Request.Method + " " + c.Request.URL.Path, "details": []gin.H{}}})
	})
}
