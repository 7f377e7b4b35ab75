"""The TypeScript store a generated route module needs: the repository's row, input and
change types and its method signatures (from the resource model), so the repository
REPOSITORY writes is a store as it is."""

from __future__ import annotations

from ...resources import Resource, ts_entity, ts_type, typescript_store_methods


def declarations(r: Resource) -> list[str]:
    ent = ts_entity(r)
    L = [f"export type {ent} = {{"]
    L += [f"  {f.name}: {ts_type(f)}{' | null' if f.nullable else ''};" for f in r.fields]
    L += ["};", f"export type New{ent} = {{"]
    L += [
        f"  {f.name}{'' if f.required else '?'}: {ts_type(f)}{' | null' if f.nullable else ''};"
        for f in r.writable
    ]
    L += [
        "};",
        f"export type {ent}Changes = Partial<New{ent}>;",
        "",
        f"export interface {ent}Store {{",
    ]
    page = "{ rows: " + ent + "[]; total: number }"
    L += [
        f"  {sig.replace('Page<' + ent + '>', page)};"
        for sig in typescript_store_methods(r).values()
    ]
    L += ["}", ""]
    return L


def output_picker(r: Resource, one: str, typescript: bool = True) -> list[str]:
    """``{one}Public(row)``: the row without its sensitive columns."""
    ent = ts_entity(r)
    T = (lambda s: s) if typescript else (lambda s: "")
    names = ", ".join('"' + f.name + '"' for f in r.output_fields)
    return [
        f"const {one.upper()}_OUTPUT = [{names}];",
        "",
        f"function {one}Public(row{T(f': {ent}')}) {{",
        f"  const out{T(': Record<string, unknown>')} = {{}};",
        f"  for (const name of {one.upper()}_OUTPUT) out[name] = (row{T(' as Record<string, unknown>')})[name];",
        "  return out;",
        "}",
        "",
    ]


def password_hasher(one: str, typescript: bool = True) -> list[str]:
    """``{one}HashPassword`` (Express, Fastify, NestJS): scrypt with a random salt, stored as
    ``scrypt$n$r$p$salt$hash`` in hex; needs ``randomBytes`` and ``scrypt`` from
    ``node:crypto``."""
    types = (": string", ": Promise<string>") if typescript else ("", "")
    return [
        "// scrypt with a random salt: scrypt$n$r$p$salt$hash (hex).",
        f"function {one}HashPassword(password{types[0]}){types[1]} {{",
        "  const salt = randomBytes(16);",
        "  return new Promise((resolve, reject) =>",
        "    scrypt(password, salt, 64, { N: 16384, r: 8, p: 1 }, (err, key) =>",
        '      err ? reject(err) : resolve(`scrypt$16384$8$1$${salt.toString("hex")}$${key.toString("hex")}`),',
        "    ),",
        "  );",
        "}",
        "",
    ]
