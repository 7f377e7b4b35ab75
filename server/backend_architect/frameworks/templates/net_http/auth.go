// JWT access and refresh tokens (golang-jwt). Secrets come from the environment.
package {{package}}

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

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

type userKey struct{}

// CurrentUser is the verified claims of the request's access token (nil without one).
func CurrentUser(ctx context.Context) *AccessClaims {
	claims, _ := ctx.Value(userKey{}).(*AccessClaims)
	return claims
}

func authProblem(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": message, "details": []map[string]string{}}})
}

// AuthRequired rejects requests without a valid access token (and without one of roles, when given).
func AuthRequired(roles ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			header := r.Header.Get("Authorization")
			if !strings.HasPrefix(strings.ToLower(header), "bearer ") {
				authProblem(w, http.StatusUnauthorized, "UNAUTHORIZED", "missing bearer token")
				return
			}
			claims, err := VerifyAccess(strings.TrimSpace(header[7:]))
			if err != nil {
				authProblem(w, http.StatusUnauthorized, "UNAUTHORIZED", err.Error())
				return
			}
			if len(roles) > 0 && !slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(claims.Roles, r) }) {
				authProblem(w, http.StatusForbidden, "FORBIDDEN", "missing role")
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, claims)))
		})
	}
}
