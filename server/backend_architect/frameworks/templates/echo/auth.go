// JWT access and refresh tokens (golang-jwt). Secrets come from the environment.
package {{package}}

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"{{jwt_import}}"
)

const (
	accessTTL  = 15 * time.Minute
	refreshTTL = 14 * 24 * time.Hour
)

// AccessClaims is the payload of an access token: sub, email, roles, iat, exp.
type AccessClaims struct {
	Email string   `json:"email"`
	Roles []string `json:"roles"`
	Type  string   `json:"type"`
	jwt.RegisteredClaims
}

func secret(name string) ([]byte, error) {
	v := os.Getenv(name)
	if len(v) < 32 {
		return nil, fmt.Errorf("%s must be set to a random secret of at least 32 characters", name)
	}
	return []byte(v), nil
}

// IssueTokens returns a short-lived access token and a refresh token.
func IssueTokens(sub, email string, roles []string) (access, refresh string, err error) {
	now := time.Now()
	accessKey, err := secret("JWT_SECRET")
	if err != nil {
		return "", "", err
	}
	refreshKey, err := secret("JWT_REFRESH_SECRET")
	if err != nil {
		return "", "", err
	}
	access, err = jwt.NewWithClaims(jwt.SigningMethodHS256, AccessClaims{
		Email: email, Roles: roles, Type: "access",
		RegisteredClaims: jwt.RegisteredClaims{Subject: sub, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(accessTTL))},
	}).SignedString(accessKey)
	if err != nil {
		return "", "", err
	}
	refresh, err = jwt.NewWithClaims(jwt.SigningMethodHS256, AccessClaims{
		Type:             "refresh",
		RegisteredClaims: jwt.RegisteredClaims{Subject: sub, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(refreshTTL))},
	}).SignedString(refreshKey)
	return access, refresh, err
}

func parse(token, secretName, kind string) (*AccessClaims, error) {
	key, err := secret(secretName)
	if err != nil {
		return nil, err
	}
	claims := &AccessClaims{}
	_, err = jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) { return key, nil },
		jwt.WithValidMethods([]string{"HS256"}))
	if err != nil {
		return nil, err
	}
	if claims.ExpiresAt == nil {
		return nil, errors.New("token without an expiry")
	}
	if claims.Type != kind {
		return nil, errors.New("wrong token type")
	}
	return claims, nil
}

// VerifyAccess checks an access token and returns its claims.
func VerifyAccess(token string) (*AccessClaims, error) { return parse(token, "JWT_SECRET", "access") }

// VerifyRefresh checks a refresh token and returns its claims.
func VerifyRefresh(token string) (*AccessClaims, error) {
	return parse(token, "JWT_REFRESH_SECRET", "refresh")
}

// AuthRequired rejects requests without a valid access token (and without one of roles, when given).
func AuthRequired(roles ...string) echo.MiddlewareFunc {
	problem := func(code, message string) map[string]any {
		return map[string]any{"error": map[string]any{"code": code, "message": message, "details": []map[string]string{}}}
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			header := c.Request().Header.Get("Authorization")
			if !strings.HasPrefix(strings.ToLower(header), "bearer ") {
				return c.JSON(http.StatusUnauthorized, problem("UNAUTHORIZED", "missing bearer token"))
			}
			claims, err := VerifyAccess(strings.TrimSpace(header[7:]))
			if err != nil {
				return c.JSON(http.StatusUnauthorized, problem("UNAUTHORIZED", err.Error()))
			}
			if len(roles) > 0 && !slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(claims.Roles, r) }) {
				return c.JSON(http.StatusForbidden, problem("FORBIDDEN", "missing role"))
			}
			c.Set("user", claims)
			return next(c)
		}
	}
}
