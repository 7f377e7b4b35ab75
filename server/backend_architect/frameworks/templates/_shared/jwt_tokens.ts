const ALGORITHM = "HS256";
const ACCESS_TTL = Number(process.env.JWT_ACCESS_TTL_SECONDS ?? 900);
const REFRESH_TTL = Number(process.env.JWT_REFRESH_TTL_SECONDS ?? 14 * 24 * 3600);

export interface AccessClaims {
  sub: string;
  email: string;
  roles: string[];
  iat: number;
  exp: number;
  type: "access";
}

function secret(name: string): string {
  const value = process.env[name];
  if (!value || value.length < 32) {
    throw new Error(`${name} must be set to a random secret of at least 32 characters`);
  }
  return value;
}

export function issueTokens(sub: string, email: string, roles: string[]) {
  const accessToken = jwt.sign({ email, roles, type: "access" }, secret("JWT_SECRET"), { algorithm: ALGORITHM, subject: sub, expiresIn: ACCESS_TTL });
  const refreshToken = jwt.sign({ type: "refresh" }, secret("JWT_REFRESH_SECRET"), { algorithm: ALGORITHM, subject: sub, expiresIn: REFRESH_TTL, jwtid: randomUUID() });
  return { access_token: accessToken, refresh_token: refreshToken, token_type: "Bearer", expires_in: ACCESS_TTL };
}

export function verifyAccess(token: string): AccessClaims {
  const claims = jwt.verify(token, secret("JWT_SECRET"), { algorithms: [ALGORITHM] }) as AccessClaims;
  if (claims.type !== "access" || !claims.sub || !claims.exp) {
    throw new Error("not an access token");
  }
  return claims;
}

export async function refreshAccess(refreshToken: string, loadUser: (sub: string) => Promise<{ email: string; roles: string[] } | null>) {
  const claims = jwt.verify(refreshToken, secret("JWT_REFRESH_SECRET"), { algorithms: [ALGORITHM] }) as jwt.JwtPayload;
  if (claims.type !== "refresh" || typeof claims.sub !== "string") {
    throw new Error("not a refresh token");
  }
  const user = await loadUser(claims.sub);
  if (user === null) {
    throw new Error("unknown user");
  }
  return issueTokens(claims.sub, user.email, user.roles);
}
