// A small validator for the subset of JSON Schema (draft 2020-12) that schema/*.json use. Not a general
// validator: a keyword it does not implement makes it throw, so a schema can never pass by being half-read.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

type Schema = Record<string, unknown> | boolean;

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', '$defs']);
const SCHEMA_DIR = path.resolve(__dirname, '..', '..', 'schema');

export function loadSchema(name: 'verpo-input' | 'verpo-output'): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(SCHEMA_DIR, `${name}.schema.json`), 'utf8')) as Record<string, unknown>;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function hasType(v: unknown, t: string): boolean {
  if (t === 'integer') return typeof v === 'number' && Number.isInteger(v);
  return typeOf(v) === t;
}

/** JSON equality: 0 and false differ, objects compare by keys. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (typeOf(a) !== typeOf(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => jsonEqual(x, (b as unknown[])[i]));
  if (a !== null && typeof a === 'object') {
    const ka = Object.keys(a as object);
    const kb = Object.keys(b as object);
    return ka.length === kb.length && ka.every((k) => k in (b as object) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

/** Every error as "path: what", empty when `value` is valid. */
export function validate(root: Record<string, unknown>, value: unknown): string[] {
  const errors: string[] = [];
  check(root, root, value, '$', errors);
  return errors;
}

function resolveRef(root: Record<string, unknown>, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`schema-validator: only local $refs are supported, got ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown>)[part];
  if (node === undefined) throw new Error(`schema-validator: unresolved $ref ${ref}`);
  return node as Schema;
}

function check(root: Record<string, unknown>, schema: Schema, v: unknown, at: string, errors: string[]): void {
  if (schema === true) return;
  if (schema === false) { errors.push(`${at}: not allowed`); return; }
  for (const [k, s] of Object.entries(schema)) {
    if (ANNOTATIONS.has(k)) continue;
    switch (k) {
      case '$ref': check(root, resolveRef(root, s as string), v, at, errors); break;
      case 'type': {
        const types = Array.isArray(s) ? (s as string[]) : [s as string];
        if (!types.some((t) => hasType(v, t))) errors.push(`${at}: expected ${types.join(' or ')}, got ${typeOf(v)}`);
        break;
      }
      case 'enum': if (!(s as unknown[]).some((e) => jsonEqual(e, v))) errors.push(`${at}: ${JSON.stringify(v)} is not one of ${JSON.stringify(s)}`); break;
      case 'const': if (!jsonEqual(s, v)) errors.push(`${at}: expected ${JSON.stringify(s)}`); break;
      case 'minLength': if (typeof v === 'string' && [...v].length < (s as number)) errors.push(`${at}: shorter than ${s}`); break;
      case 'pattern': if (typeof v === 'string' && !new RegExp(s as string, 'u').test(v)) errors.push(`${at}: does not match ${s}`); break;
      case 'minimum': if (typeof v === 'number' && v < (s as number)) errors.push(`${at}: below ${s}`); break;
      case 'maximum': if (typeof v === 'number' && v > (s as number)) errors.push(`${at}: above ${s}`); break;
      case 'exclusiveMinimum': if (typeof v === 'number' && v <= (s as number)) errors.push(`${at}: not above ${s}`); break;
      case 'minItems': if (Array.isArray(v) && v.length < (s as number)) errors.push(`${at}: fewer than ${s} items`); break;
      case 'items': if (Array.isArray(v)) v.forEach((x, i) => check(root, s as Schema, x, `${at}[${i}]`, errors)); break;
      case 'required':
        if (typeOf(v) === 'object') for (const r of s as string[]) if (!(r in (v as object))) errors.push(`${at}: missing ${r}`);
        break;
      case 'properties':
        if (typeOf(v) === 'object') {
          for (const [p, ps] of Object.entries(s as Record<string, Schema>)) {
            if (p in (v as object)) check(root, ps, (v as Record<string, unknown>)[p], `${at}.${p}`, errors);
          }
        }
        break;
      case 'additionalProperties':
        if (typeOf(v) === 'object') {
          const known = Object.keys((schema as Record<string, unknown>).properties ?? {});
          for (const p of Object.keys(v as object)) if (!known.includes(p)) check(root, s as Schema, (v as Record<string, unknown>)[p], `${at}.${p}`, errors);
        }
        break;
      case 'propertyNames':
        if (typeOf(v) === 'object') for (const p of Object.keys(v as object)) check(root, s as Schema, p, `${at} key ${JSON.stringify(p)}`, errors);
        break;
      case 'oneOf': {
        const passing = (s as Schema[]).filter((sub) => validateSub(root, sub, v));
        if (passing.length !== 1) errors.push(`${at}: matches ${passing.length} of the oneOf alternatives, expected exactly 1`);
        break;
      }
      case 'anyOf': if (!(s as Schema[]).some((sub) => validateSub(root, sub, v))) errors.push(`${at}: matches none of anyOf`); break;
      case 'not': if (validateSub(root, s as Schema, v)) errors.push(`${at}: matches a schema it must not`); break;
      default: throw new Error(`schema-validator: keyword ${k} (at ${at}) is not implemented`);
    }
  }
}

function validateSub(root: Record<string, unknown>, schema: Schema, v: unknown): boolean {
  const errs: string[] = [];
  check(root, schema, v, '$', errs);
  return errs.length === 0;
}
