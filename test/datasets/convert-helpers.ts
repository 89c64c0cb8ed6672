// Shared by the dataset tests: every converted line must be valid under the shipped input schema.
import { expect } from 'vitest';
import type { ContractLine } from '../../lib/datasets';
import { loadSchema, validate } from './schema-validator';

const inputSchema = loadSchema('verpo-input');

/** The line as a JSON consumer sees it (undefined fields gone), checked against schema/verpo-input.schema.json. */
export function expectValidLine(line: ContractLine): Record<string, unknown> {
  const wire = JSON.parse(JSON.stringify(line)) as Record<string, unknown>;
  expect(validate(inputSchema, wire), String(line.id)).toEqual([]);
  return wire;
}
