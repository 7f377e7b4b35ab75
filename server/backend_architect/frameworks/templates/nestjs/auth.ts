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

// include: _shared/jwt_tokens.ts

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
