// JWT access and refresh tokens (jsonwebtoken) and the guard checking them. Secrets come from the environment.
import { randomUUID } from "node:crypto";
import {
  ForbiddenException,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  createParamDecorator,
  type CanActivate,
  type ExecutionContext,
} from "@nestjs/common";
import { Reflector } from "@nestjs/core";
import type { Request } from "express";
import jwt from "jsonwebtoken";

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

const ROLES_KEY = "auth:roles";
const PUBLIC_KEY = "auth:public";

// @Roles("admin") on a controller or a handler: the caller needs one of the roles (AuthGuard reads it).
export const Roles = (...roles: string[]) => SetMetadata(ROLES_KEY, roles);

// @Public() on a controller or a handler: AuthGuard lets it through without a token.
export const Public = () => SetMetadata(PUBLIC_KEY, true);

const USERS = new WeakMap<Request, AccessClaims>();

// authorize checks the request's bearer token and, with roles, that the caller has one of them;
// it answers 401 / 403 in the error format.
function authorize(context: ExecutionContext, roles: string[]): boolean {
  const request = context.switchToHttp().getRequest<Request>();
  const header = request.header("Authorization") ?? "";
  if (!header.toLowerCase().startsWith("bearer ")) {
    throw new UnauthorizedException({ error: { code: "UNAUTHORIZED", message: "missing bearer token", details: [] } });
  }
  let claims: AccessClaims;
  try {
    claims = verifyAccess(header.slice(7).trim());
  } catch (err) {
    throw new UnauthorizedException({ error: { code: "UNAUTHORIZED", message: String((err as Error).message), details: [] } });
  }
  if (roles.length > 0 && !roles.some((r) => claims.roles.includes(r))) {
    throw new ForbiddenException({ error: { code: "FORBIDDEN", message: "missing role", details: [] } });
  }
  USERS.set(request, claims);
  return true;
}

// AuthGuard: every route needs a valid access token unless marked @Public(); @Roles() narrows it.
// Register it for the whole app as the module's APP_GUARD provider (with useClass AuthGuard).
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) {
      return true;
    }
    return authorize(context, this.reflector.getAllAndOverride<string[]>(ROLES_KEY, targets) ?? []);
  }
}

// requireAuth("admin") is a guard of its own: @UseGuards(requireAuth("admin")) on a controller or a handler.
export function requireAuth(...roles: string[]): CanActivate {
  return { canActivate: (context: ExecutionContext) => authorize(context, roles) };
}

// The verified claims of the request's access token: handler(@CurrentUser() user: AccessClaims).
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  USERS.get(context.switchToHttp().getRequest<Request>()),
);
